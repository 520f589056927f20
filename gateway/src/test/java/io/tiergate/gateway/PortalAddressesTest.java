package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortalAddressesTest {
  @Test
  void aPortalOnOneAddressHasThatOne() throws Exception {
    assertEquals(List.of("127.0.0.1:3260"),
        PortalAddresses.usable(new InetSocketAddress("127.0.0.1", 3260)));
    assertEquals(List.of("10.9.8.7:3261"),
        PortalAddresses.usable(new InetSocketAddress(InetAddress.getByName("10.9.8.7"), 3261)));
    assertEquals("[0:0:0:0:0:0:0:1]:3260",
        PortalAddresses.hostPort(InetAddress.getByName("::1"), 3260));
  }

  @Test
  void aPortalOnAllAddressesHasOneOfThisMachinesThenLoopback() throws Exception {
    List<String> all = PortalAddresses.usable(new InetSocketAddress(3260));
    assertFalse(all.isEmpty());
    assertEquals("127.0.0.1:3260", all.get(all.size() - 1));
    assertTrue(all.size() <= 2, all.toString());
    for (String p : all) {
      assertFalse(p.startsWith("0.0.0.0") || p.contains("<"), p);
      assertTrue(p.endsWith(":3260"), p);
    }
    if (all.size() == 2) {
      // The first is an address of an interface that is up, not a loopback one.
      String host = all.get(0).substring(0, all.get(0).lastIndexOf(':')).replaceAll("[\\[\\]]",
          "");
      NetworkInterface n = NetworkInterface.getByInetAddress(InetAddress.getByName(host));
      assertTrue(n != null && n.isUp() && !n.isLoopback(), all.toString());
    }
  }
}
