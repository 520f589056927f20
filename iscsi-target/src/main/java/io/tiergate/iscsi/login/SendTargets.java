package io.tiergate.iscsi.login;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The answer to a {@code SendTargets} text request (RFC 7143 appendix C): a TargetName and
 * TargetAddress pair for every target the initiator may see, cut into chunks that each fit the
 * initiator's MaxRecvDataSegmentLength. The session sends the chunks in Text Responses with the
 * C bit set on all but the last, waiting for the initiator's empty Text Request in between.
 */
public final class SendTargets {
  private final byte[] text;
  private int offset;

  private SendTargets(byte[] text) {
    this.text = text;
  }

  /**
   * Builds the answer.
   *
   * @param directory the targets
   * @param value the SendTargets value: {@code All}, a target name, or empty for the session's
   *     own target
   * @param discovery whether the request came on a discovery session
   * @param sessionTarget the session's target (normal sessions), or null
   * @param initiatorName the initiator asking, so that targets it may not access are hidden
   * @param portalAddress {@code host:port} of the portal
   * @return the answer, or null when the value is not allowed on this kind of session
   */
  public static SendTargets answer(TargetDirectory directory, String value, boolean discovery,
      String sessionTarget, String initiatorName, String portalAddress) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String tpgt = Integer.toString(directory.portalGroupTag());
    for (TargetDirectory.Entry target : directory.targets()) {
      boolean wanted;
      if (value.equals("All")) {
        wanted = discovery;
      } else if (value.isEmpty()) {
        wanted = !discovery && target.name().equals(sessionTarget);
      } else {
        wanted = target.name().equals(value);
      }
      if (!wanted || !target.allows(initiatorName)) {
        continue;
      }
      write(out, "TargetName=" + target.name());
      write(out, "TargetAddress=" + portalAddress + "," + tpgt);
    }
    return new SendTargets(out.toByteArray());
  }

  private static void write(ByteArrayOutputStream out, String pair) {
    byte[] b = pair.getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
    out.write(0);
  }

  /** The next chunk of at most {@code max} bytes. */
  public byte[] next(int max) {
    int end = Math.min(text.length, offset + max);
    byte[] chunk = Arrays.copyOfRange(text, offset, end);
    offset = end;
    return chunk;
  }

  /** Whether chunks remain after those taken. */
  public boolean hasMore() {
    return offset < text.length;
  }
}
