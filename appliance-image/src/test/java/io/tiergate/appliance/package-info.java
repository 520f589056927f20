/**
 * Tests of the appliance artefacts: they unpack or install what the build made (the
 * distribution tarball, the Debian package) and run it against real initiators, and keep the
 * shipped Prometheus and Grafana files in step with the gateway's meters.
 */
package io.tiergate.appliance;
