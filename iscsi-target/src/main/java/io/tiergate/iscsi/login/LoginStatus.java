package io.tiergate.iscsi.login;

/** Login Response status class and detail pairs of RFC 7143 section 11.13.5, as class << 8 | detail. */
public final class LoginStatus {
  /** Login is proceeding or complete. */
  public static final int SUCCESS = 0x0000;
  /** Miscellaneous initiator error. */
  public static final int INITIATOR_ERROR = 0x0200;
  /** Authentication failed. */
  public static final int AUTHENTICATION_FAILURE = 0x0201;
  /** The initiator is not allowed to access the target. */
  public static final int AUTHORIZATION_FAILURE = 0x0202;
  /** No such target. */
  public static final int NOT_FOUND = 0x0203;
  /** Unsupported version. */
  public static final int UNSUPPORTED_VERSION = 0x0205;
  /** Too many connections on the session. */
  public static final int TOO_MANY_CONNECTIONS = 0x0206;
  /** A required key is missing. */
  public static final int MISSING_PARAMETER = 0x0207;
  /** The session does not exist (TSIH unknown). */
  public static final int SESSION_DOES_NOT_EXIST = 0x020a;
  /** A request that is not valid during login. */
  public static final int INVALID_DURING_LOGIN = 0x020b;
  /** Target error. */
  public static final int TARGET_ERROR = 0x0300;
  /** The target or service is temporarily unavailable; the initiator may retry. */
  public static final int SERVICE_UNAVAILABLE = 0x0301;
  /** Out of resources. */
  public static final int OUT_OF_RESOURCES = 0x0302;

  private LoginStatus() {}
}
