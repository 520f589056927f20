/**
 * The cloud tier: {@link io.tiergate.tiering.CloudTier} seals chunk records into packs, uploads
 * them durably, journals where each chunk went, and reads single records back. The object
 * stores are in {@code store}, the pack format in {@code pack}, the metadata objects in
 * {@code meta}. Which chunks to tier and when is the gateway's policy, not this module's.
 */
package io.tiergate.tiering;
