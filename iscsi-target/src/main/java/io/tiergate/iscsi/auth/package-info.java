/**
 * Authentication during the login security stage: CHAP with MD5 (RFC 1994 as profiled by RFC
 * 7143 section 12.1.3), one-way or mutual. Responses are compared in constant time, reflected
 * challenges are refused, and no secret ever reaches a log line or an exception message.
 */
package io.tiergate.iscsi.auth;
