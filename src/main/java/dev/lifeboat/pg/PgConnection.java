package dev.lifeboat.pg;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where and as whom to reach one PostgreSQL database. The password may be null (trust, peer or the
 * user's own pgpass file) and never appears in {@link #toString()} or in error messages.
 */
public record PgConnection(String host, int port, String database, String user, String password) {

  public static final int DEFAULT_PORT = 5432;

  /** Seconds a connection attempt may take, for JDBC and the command-line tools alike. */
  public static final int CONNECT_TIMEOUT_SECONDS = 10;

  private static final Pattern JDBC_URL =
      Pattern.compile(
          "jdbc:postgresql://(?<host>\\[[0-9A-Fa-f:.%\\w]+]|[^/:?\\[\\],]+)(?::(?<port>\\d{1,5}))?"
              + "/(?<db>[^?/]+)(?:\\?(?<params>.*))?");

  private static final Pattern SECRET_PARAM =
      Pattern.compile("(?i)((?:password|sslpassword)=)[^&]*");

  public PgConnection {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("PostgreSQL host must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("PostgreSQL port " + port + " is not in 1..65535");
    }
    if (database == null || database.isEmpty()) {
      throw new IllegalArgumentException("PostgreSQL database name must not be empty");
    }
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("PostgreSQL user name must not be empty");
    }
  }

  /**
   * Parses {@code jdbc:postgresql://host[:port]/database[?params]}; IPv6 hosts go in brackets
   * ({@code [::1]}). Parameters are accepted and ignored.
   */
  public static PgConnection fromJdbcUrl(String jdbcUrl, String user, String password) {
    if (jdbcUrl == null) {
      throw new IllegalArgumentException("PostgreSQL JDBC URL is missing");
    }
    Matcher m = JDBC_URL.matcher(jdbcUrl.trim());
    if (!m.matches()) {
      throw malformed(jdbcUrl, "expected jdbc:postgresql://host[:port]/database");
    }
    String host = m.group("host");
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = DEFAULT_PORT;
    if (m.group("port") != null) {
      port = Integer.parseInt(m.group("port"));
      if (port < 1 || port > 65535) {
        throw malformed(jdbcUrl, "port " + port + " is not in 1..65535");
      }
    }
    String database = URLDecoder.decode(m.group("db"), StandardCharsets.UTF_8);
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException(
          "no user name given for PostgreSQL URL " + redact(jdbcUrl) + "; set its username");
    }
    return new PgConnection(host, port, database, user, password);
  }

  private static IllegalArgumentException malformed(String jdbcUrl, String why) {
    return new IllegalArgumentException(
        "malformed PostgreSQL JDBC URL '" + redact(jdbcUrl) + "': " + why);
  }

  /** The URL with the values of password parameters replaced, fit for messages. */
  static String redact(String jdbcUrl) {
    return SECRET_PARAM.matcher(jdbcUrl).replaceAll("$1***");
  }

  /** {@code jdbc:postgresql://host:port/database}, without credentials. */
  public String jdbcUrl() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:postgresql://"
        + h
        + ":"
        + port
        + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /** The same server and credentials, another database. */
  public PgConnection withDatabase(String db) {
    return new PgConnection(host, port, db, user, password);
  }

  /** Opens a JDBC connection as {@link #user()}, reported to the server as {@code lifeboat}. */
  public Connection open() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", "lifeboat");
    props.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
    return DriverManager.getConnection(jdbcUrl(), props);
  }

  @Override
  public String toString() {
    return "PgConnection[host="
        + host
        + ", port="
        + port
        + ", database="
        + database
        + ", user="
        + user
        + ", password="
        + (password == null ? "none" : "***")
        + "]";
  }
}
