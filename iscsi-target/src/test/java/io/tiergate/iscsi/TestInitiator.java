package io.tiergate.iscsi;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A minimal blocking iSCSI initiator for tests that need to say things real initiators never
 * say: one connection, login straight into the operational stage, no digests.
 */
public final class TestInitiator implements Closeable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private int cmdSn = 1;
  private int itt = 1;

  private TestInitiator(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:port; reads time out after {@code timeoutMillis}. */
  public static TestInitiator connect(int port, int timeoutMillis) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(timeoutMillis);
    s.setTcpNoDelay(true);
    return new TestInitiator(s);
  }

  /** Logs in without authentication; returns the final Login Response. */
  public RawPdu login(String initiatorName, long isid, String targetName) throws IOException {
    PduBuilder login = new PduBuilder(0x03).immediate().flags(0x80 | (1 << 2) | 3)
        .shortAt(8, (int) (isid >>> 32)).word(10, (int) isid).itt(itt++).word(24, cmdSn)
        .text(targetName == null
            ? new String[] {"InitiatorName=" + initiatorName, "SessionType=Discovery",
                "MaxRecvDataSegmentLength=65536"}
            : new String[] {"InitiatorName=" + initiatorName, "TargetName=" + targetName,
                "SessionType=Normal", "MaxRecvDataSegmentLength=65536", "ImmediateData=Yes",
                "InitialR2T=No", "FirstBurstLength=65536", "MaxBurstLength=262144"});
    send(login.bytes());
    return receive();
  }

  /** The next CmdSN (and advances it). */
  public int nextCmdSn() {
    return cmdSn++;
  }

  /** The next CmdSN without advancing it. */
  public int peekCmdSn() {
    return cmdSn;
  }

  /** A fresh initiator task tag. */
  public int nextItt() {
    return itt++;
  }

  /** Writes raw bytes. */
  public void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads one PDU; throws on timeout or end of stream. */
  public RawPdu receive() throws IOException {
    return RawPdu.read(in, false, false);
  }

  /** Reads one PDU, or null on timeout; throws EOFException when the target closed. */
  public RawPdu poll() throws IOException {
    try {
      return receive();
    } catch (SocketTimeoutException e) {
      return null;
    }
  }

  /**
   * The outcome of a command.
   *
   * @param status SAM status
   * @param data the Data-In bytes
   * @param last the PDU that carried the status
   */
  public record Result(int status, byte[] data, RawPdu last) {}

  /**
   * Sends a SCSI command (with immediate data for writes) and gathers its Data-In and status,
   * repeating it after a UNIT ATTENTION as initiators do.
   */
  public Result command(byte[] cdb, boolean read, int expectedLength, byte[] immediate)
      throws IOException {
    Result r = commandOnce(cdb, read, expectedLength, immediate);
    for (int i = 0; i < 3 && r.status() == 0x02 && r.last().data().length > 4
        && (r.last().data()[4] & 0x0f) == 0x06; i++) {
      r = commandOnce(cdb, read, expectedLength, immediate);
    }
    return r;
  }

  private Result commandOnce(byte[] cdb, boolean read, int expectedLength, byte[] immediate)
      throws IOException {
    int tag = nextItt();
    boolean write = immediate != null;
    PduBuilder cmd = new PduBuilder(0x01).flags(0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0)
        | 1).itt(tag).word(20, expectedLength).word(24, nextCmdSn()).cdb(cdb);
    if (write) {
      cmd.data(immediate);
    }
    send(cmd.bytes());
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    while (true) {
      RawPdu p = receive();
      if (p.opcode() == 0x25 && p.itt() == tag) {
        data.write(p.data(), 0, p.data().length);
        if ((p.flags() & 0x01) != 0) {
          return new Result(p.byteAt(3), data.toByteArray(), p);
        }
      } else if (p.opcode() == 0x21 && p.itt() == tag) {
        return new Result(p.byteAt(3), data.toByteArray(), p);
      } else if (p.opcode() == 0x3f) {
        return new Result(-1, data.toByteArray(), p);
      }
    }
  }

  /** Whether the target has closed the connection (reads until end of stream or timeout). */
  public boolean closedByTarget() throws IOException {
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

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
