/** Test support: real services started for tests. */
package io.tiergate.tiering.testing;
