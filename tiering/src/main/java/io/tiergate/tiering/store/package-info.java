/** Object stores the cloud tier writes to. */
package io.tiergate.tiering.store;
