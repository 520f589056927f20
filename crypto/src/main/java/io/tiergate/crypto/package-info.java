/** Keys and ciphers of Tiergate. */
package io.tiergate.crypto;
