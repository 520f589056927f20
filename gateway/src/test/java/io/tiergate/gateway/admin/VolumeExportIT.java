package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volume changes through the admin API reach the running iSCSI portal without disturbing the
 * sessions of other volumes: a session on one volume stays up (answers NOP-Out on the same
 * connection) while another volume is created, changed and deleted; the delete guard counts
 * only the deleted volume's sessions; a wrong CHAP secret moves the login-failure counter and
 * makes a security event.
 */
class VolumeExportIT {
  static final String PREFIX = "iqn.2026-11.io.tiergate:";

  @TempDir
  Path tmp;

  @Test
  void volumeChangesLeaveOtherVolumesSessionsAlone() throws Exception {
    try (TestGateway gw = TestGateway.start(tmp)) {
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"busy\",\"size\":\"16MiB\"}").status());
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"idle\",\"size\":\"16MiB\"}").status());
      try (Session s = Session.login(gw, PREFIX + "busy")) {
        s.ping();
        assertEquals(1.0, metric(gw, "tiergate_iscsi_sessions"));

        assertEquals(201, gw.admin("POST", "/api/v1/volumes",
            "{\"name\":\"fresh\",\"size\":\"16MiB\"}").status());
        s.ping();
        assertEquals(200, gw.admin("PATCH", "/api/v1/volumes/fresh",
            "{\"chap\":{\"user\":\"carol\",\"secret\":\"carol-secret-12\"}}").status());
        s.ping();

        // Only the volume with a session is guarded.
        assertEquals(204, gw.admin("DELETE", "/api/v1/volumes/idle", null).status());
        s.ping();
        TestGateway.Reply refused = gw.admin("DELETE", "/api/v1/volumes/busy", null);
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.body().contains("volume busy"), refused.body());
        s.ping();
        assertEquals(1.0, metric(gw, "tiergate_iscsi_sessions"));
        assertFalse(gw.admin("GET", "/api/v1/events?limit=1000", null).body()
            .contains("must reconnect"));

        // A wrong CHAP secret is refused and counted; the session goes on.
        String lun = "iscsi://carol%wrong-secret-99@" + gw.portal() + "/" + PREFIX + "fresh/0";
        assertEquals(0.0, metric(gw,
            "tiergate_iscsi_login_failures_total{reason=\"authentication\"}"));
        assertFalse(run("iscsi-inq", lun) == 0);
        assertEquals(1.0, metric(gw,
            "tiergate_iscsi_login_failures_total{reason=\"authentication\"}"));
        assertTrue(eventually(() -> gw.admin("GET", "/api/v1/events?limit=1000", null).body()
            .contains("iSCSI login to " + PREFIX + "fresh refused: wrong or missing CHAP")),
            "a security event names the refused login");
        assertEquals(0, run("iscsi-inq",
            "iscsi://carol%carol-secret-12@" + gw.portal() + "/" + PREFIX + "fresh/0"));
        s.ping();

        // Forced, the delete closes that volume's session.
        assertEquals(204, gw.admin("DELETE", "/api/v1/volumes/busy?force=true", null).status());
        assertTrue(s.closedByTarget());
        assertEquals(0.0, metric(gw, "tiergate_iscsi_sessions"));
      }
    }
  }

  static boolean eventually(java.util.function.BooleanSupplier check) throws InterruptedException {
    for (int i = 0; i < 50; i++) {
      if (check.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  static double metric(TestGateway gw, String series) {
    String scrape = gw.admin("GET", "/metrics", null).body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    if (!m.find()) {
      fail("no series " + series + " in\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }

  static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " timed out");
    }
    return p.exitValue();
  }

  /**
   * The least of an iSCSI initiator: one login straight to full feature phase, then NOP-Out
   * pings on the same connection, so the test can tell that the session was never dropped
   * (an initiator like libiscsi would silently reconnect).
   */
  static final class Session implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int cmdSn = 1;
    private int expStatSn;
    private int itt = 1;

    private Session(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static Session login(TestGateway gw, String target) throws IOException {
      Socket socket = new Socket();
      InetSocketAddress a = gw.gateway.iscsiAddress();
      socket.connect(new InetSocketAddress("127.0.0.1", a.getPort()), 5000);
      socket.setSoTimeout(10_000);
      Session s = new Session(socket);
      String keys = "InitiatorName=iqn.2026-11.io.tiergate:export-test\0TargetName=" + target
          + "\0SessionType=Normal\0MaxRecvDataSegmentLength=65536\0";
      ByteBuffer bhs = ByteBuffer.allocate(48);
      bhs.put(0, (byte) 0x43).put(1, (byte) 0x87);
      bhs.putShort(8, (short) 0x4000).putInt(10, 0x00000e57);
      bhs.putInt(16, s.itt++).putInt(24, s.cmdSn);
      s.send(bhs, keys.getBytes(StandardCharsets.US_ASCII));
      byte[] reply = s.receive();
      assertEquals(0x23, reply[0] & 0x3f, "login response");
      assertEquals(0, reply[36], "login status class");
      return s;
    }

    /** Sends a NOP-Out and waits for its NOP-In on this very connection. */
    void ping() throws IOException {
      int tag = itt++;
      ByteBuffer bhs = ByteBuffer.allocate(48);
      bhs.put(0, (byte) 0x40).put(1, (byte) 0x80);
      bhs.putInt(16, tag).putInt(20, -1).putInt(24, cmdSn).putInt(28, expStatSn);
      send(bhs, new byte[0]);
      while (true) {
        byte[] r = receive();
        if ((r[0] & 0x3f) == 0x20 && ByteBuffer.wrap(r).getInt(16) == tag) {
          return;
        }
      }
    }

    /** Whether the target closed the connection. */
    boolean closedByTarget() throws IOException {
      try {
        while (true) {
          receive();
        }
      } catch (EOFException e) {
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }

    private void send(ByteBuffer bhs, byte[] data) throws IOException {
      bhs.put(5, (byte) (data.length >> 16)).put(6, (byte) (data.length >> 8))
          .put(7, (byte) data.length);
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(bhs.array());
      b.write(data);
      b.write(new byte[(4 - data.length % 4) % 4]);
      out.write(b.toByteArray());
      out.flush();
    }

    private byte[] receive() throws IOException {
      byte[] bhs = new byte[48];
      in.readFully(bhs);
      int len = (bhs[5] & 0xff) << 16 | (bhs[6] & 0xff) << 8 | bhs[7] & 0xff;
      in.readFully(new byte[(bhs[4] & 0xff) * 4 + len + (4 - len % 4) % 4]);
      expStatSn = ByteBuffer.wrap(bhs).getInt(24) + 1;
      return bhs;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
