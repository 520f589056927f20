package io.tiergate.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.tiergate.iscsi.scsi.ErrorMapper.TransportCondition;
import org.junit.jupiter.api.Test;

/** The sense the session layer asks for is the fixed format every other answer uses. */
class ErrorMapperTest {

  @Test
  void transportConditionsHaveTheirSpcSense() {
    assertArrayEquals(new byte[] {0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0x00, 0, 0,
        0, 0}, ErrorMapper.transportSense(TransportCondition.TRANSFER_TOO_LONG));
    assertArrayEquals(new byte[] {0x70, 0, 0x0b, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x4b, 0x00, 0, 0,
        0, 0}, ErrorMapper.transportSense(TransportCondition.DATA_PHASE_ERROR));
    assertArrayEquals(new byte[] {0x70, 0, 0x0b, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x4b, 0x05, 0, 0,
        0, 0}, ErrorMapper.transportSense(TransportCondition.DATA_OFFSET_ERROR));
  }
}
