package io.tiergate.gateway;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Addresses an initiator can put in {@code iscsi://HOST:PORT/...} to reach the portal. A
 * portal bound to one address has that one; a portal bound to all addresses ({@code 0.0.0.0})
 * has no address of its own to show, so this machine's first non-loopback address (IPv4
 * first, in interface order, link-local ones skipped) comes first, then {@code 127.0.0.1} for
 * an initiator on the appliance itself.
 *
 * <p>Interfaces are listed again at most every {@value #REFRESH_MILLIS} ms: the admin API asks
 * once per volume it describes, and an address given by DHCP may change.
 */
final class PortalAddresses {
  static final long REFRESH_MILLIS = 30_000;

  private static volatile InetAddress cachedFirst;
  private static volatile long cachedAt = Long.MIN_VALUE;

  private PortalAddresses() {}

  /** {@code HOST:PORT} strings for {@code bound}, the most widely usable first; never empty. */
  static List<String> usable(InetSocketAddress bound) {
    List<String> out = new ArrayList<>();
    if (!bound.getAddress().isAnyLocalAddress()) {
      out.add(hostPort(bound.getAddress(), bound.getPort()));
      return out;
    }
    InetAddress first = firstNonLoopback();
    if (first != null) {
      out.add(hostPort(first, bound.getPort()));
    }
    out.add("127.0.0.1:" + bound.getPort());
    return out;
  }

  static String hostPort(InetAddress a, int port) {
    String h = a.getHostAddress();
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    return (a instanceof Inet6Address ? "[" + h + "]" : h) + ":" + port;
  }

  private static InetAddress firstNonLoopback() {
    long now = System.currentTimeMillis();
    if (cachedAt != Long.MIN_VALUE && now - cachedAt < REFRESH_MILLIS) {
      return cachedFirst;
    }
    InetAddress found = null;
    try {
      List<NetworkInterface> up = new ArrayList<>();
      for (NetworkInterface n : NetworkInterface.networkInterfaces().toList()) {
        if (n.isUp() && !n.isLoopback()) {
          up.add(n);
        }
      }
      up.sort(Comparator.comparingInt(NetworkInterface::getIndex));
      InetAddress v6 = null;
      for (NetworkInterface n : up) {
        for (InetAddress a : n.inetAddresses().toList()) {
          if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()) {
            continue;
          }
          if (a instanceof Inet4Address && found == null) {
            found = a;
          } else if (a instanceof Inet6Address && v6 == null) {
            v6 = a;
          }
        }
      }
      if (found == null) {
        found = v6;
      }
    } catch (SocketException e) {
      found = null; // no interface list: 127.0.0.1 alone is still right on this machine
    }
    cachedFirst = found;
    cachedAt = now;
    return found;
  }
}
