package dev.lifeboat.base;

import java.util.regex.Pattern;

/** Hides credentials in any text Lifeboat prints: URL user-info and secret query parameters. */
public final class Redaction {

  // scheme://user:password@host → scheme://***@host (jdbc:postgresql://, http(s)://, s3://…)
  private static final Pattern USER_INFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s?#'\"]*@");

  private static final Pattern SECRET_PARAM =
      Pattern.compile(
          "(?i)([?&;](?:password|sslpassword|secret|secret[-_]?key|access[-_]?key|token"
              + "|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&\\s'\"]*");

  private Redaction() {}

  /** {@code text} with the credentials of every URL in it replaced by {@code ***}. */
  public static String urls(String text) {
    if (text == null || (text.indexOf('@') < 0 && text.indexOf('=') < 0)) {
      return text;
    }
    String out = USER_INFO.matcher(text).replaceAll("$1***@");
    return SECRET_PARAM.matcher(out).replaceAll("$1***");
  }
}
