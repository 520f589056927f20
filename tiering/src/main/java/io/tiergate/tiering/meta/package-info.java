/**
 * The appliance's metadata in the cloud: wrapped key slots, the encrypted volume catalogue and
 * the encrypted index journal. With the passphrase they give every pack's index back; the
 * volumes' block maps are not among them yet, so they are not enough to restore volumes.
 */
package io.tiergate.tiering.meta;
