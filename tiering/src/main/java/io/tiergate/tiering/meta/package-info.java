/**
 * The appliance's metadata in the cloud: wrapped key slots, the encrypted volume catalogue and
 * the encrypted index journal, from which a fresh appliance with the passphrase rebuilds itself.
 */
package io.tiergate.tiering.meta;
