/**
 * Keys and ciphers of Tiergate.
 *
 * <p>The public surface is small: a {@link io.tiergate.crypto.KeyRing} (passphrase-protected key
 * slots over random root keys) hands out a {@link io.tiergate.crypto.ChunkIdHasher} for the block
 * engine, {@link io.tiergate.crypto.PackCipher}s for the cloud tier's pack records and a {@link
 * io.tiergate.crypto.MetadataCipher} for catalogues and manifests. Every failure is a {@link
 * io.tiergate.crypto.CryptoException} with a typed code.
 *
 * <p>Bulk work (AES-256-GCM, HMAC-SHA-256, PBKDF2) runs on the JDK's provider, which is
 * intrinsified and measured fastest; Bouncy Castle supplies HKDF and RFC 5649 key wrap. Bouncy
 * Castle is used through its lightweight API and is never registered as a JCA provider, so this
 * module does not change which provider the rest of the process gets.
 *
 * <p>Every stored format carries a version that is bound into its AAD or wrapped payload; the
 * formats are pinned by golden files in the tests.
 */
package io.tiergate.crypto;
