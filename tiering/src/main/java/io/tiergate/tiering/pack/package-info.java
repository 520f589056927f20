/**
 * Pack format version 1: how chunk records are laid out, sealed and indexed in one cloud
 * object. See {@link io.tiergate.tiering.pack.PackFormat} for the layout.
 */
package io.tiergate.tiering.pack;
