package io.tiergate.gateway.engine;

/**
 * A local snapshot as the engine reports it: stable id, the volume it was taken of, its epoch
 * (its place in that volume's write order), creation time, description, the consistency group
 * it was taken with ({@code groupId}: the id of the group's first snapshot, 0 when taken
 * alone), and whether a policy took it (a manual one is never expired by a policy).
 */
public record SnapshotInfo(long id, String volume, long epoch, long createdMillis,
    String description, long groupId, boolean policy) {}
