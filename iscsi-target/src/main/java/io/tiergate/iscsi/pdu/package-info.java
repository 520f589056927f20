/**
 * The iSCSI PDU codec of RFC 7143 section 11: a pure translation between bytes and immutable
 * records. {@link io.tiergate.iscsi.pdu.PduDecoder} turns a byte stream into
 * {@link io.tiergate.iscsi.pdu.InitiatorPdu} records (basic header segment, additional header
 * segments, data segment padded to four bytes, optional CRC32C header and data digests);
 * malformed input becomes a {@link io.tiergate.iscsi.pdu.DecodeFailure} value rather than an
 * exception. {@link io.tiergate.iscsi.pdu.PduEncoder} turns {@link io.tiergate.iscsi.pdu.TargetPdu}
 * records into bytes. Nothing here knows about channels' state beyond digests and limits, or
 * about storage.
 */
package io.tiergate.iscsi.pdu;
