package io.tiergate.gateway.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's TLS certificate: {@code admin/tls.crt} and {@code admin/tls.key} (PEM,
 * PKCS#8 key, mode 0600). An administrator may put their own there; when both are missing, a
 * self-signed ECDSA P-256 certificate valid for ten years is generated with Bouncy Castle, for
 * localhost, this host's name, the loopback addresses and the listen address. Clients (the CLI,
 * tests) trust it with {@link #trusting}.
 */
public final class Certificates {
  private static final Logger log = LoggerFactory.getLogger(Certificates.class);

  private Certificates() {}

  /** A TLS context that trusts exactly the certificates of a PEM file (e.g. {@code tls.crt}). */
  public static SSLContext trusting(Path pem) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("tiergate-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    }
  }

  /** Makes sure a certificate and key exist; returns {cert, key}. */
  static Path[] ensure(Path adminDir, String listenHost) {
    Path cert = adminDir.resolve("tls.crt");
    Path key = adminDir.resolve("tls.key");
    if (Files.exists(cert) && Files.exists(key)) {
      return new Path[] {cert, key};
    }
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      String host = hostName();
      X500Name subject = new X500Name("CN=Tiergate appliance " + host + ",O=Tiergate");
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(127, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
          Date.from(now.plus(Duration.ofDays(3650))), subject, kp.getPublic());
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.dNSName, "localhost"));
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      names.add(new GeneralName(GeneralName.iPAddress, "::1"));
      if (!host.equals("localhost")) {
        names.add(new GeneralName(GeneralName.dNSName, host));
      }
      if (listenHost != null && !listenHost.isEmpty() && !listenHost.equals("0.0.0.0")
          && !listenHost.equals("127.0.0.1") && !listenHost.equals("localhost")) {
        boolean ip = listenHost.matches("[0-9.]+") || listenHost.contains(":");
        names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, listenHost));
      }
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(new GeneralName[0])));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509Certificate c = new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      SecureFiles.write(key, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
      SecureFiles.write(cert, pem("CERTIFICATE", c.getEncoded()));
      log.info("generated a self-signed certificate for the admin listener in {}", cert);
      return new Path[] {cert, key};
    } catch (OperatorCreationException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate the admin certificate", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static byte[] pem(String type, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
