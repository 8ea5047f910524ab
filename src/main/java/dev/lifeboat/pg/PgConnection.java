package dev.lifeboat.pg;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where and as whom to reach one PostgreSQL database. The password may be null (trust, peer or the
 * user's own pgpass file) and never appears in {@link #toString()} or in error messages.
 */
public record PgConnection(
    String host,
    int port,
    String database,
    String user,
    String password,
    Map<String, String> params) {

  public static final int DEFAULT_PORT = 5432;

  /** Seconds a connection attempt may take, for JDBC and the command-line tools alike. */
  public static final int CONNECT_TIMEOUT_SECONDS = 10;

  private static final Pattern JDBC_URL =
      Pattern.compile(
          "jdbc:postgresql://(?<host>\\[[0-9A-Fa-f:.%\\w]+]|[^/:?\\[\\],]+)(?::(?<port>\\d{1,5}))?"
              + "/(?<db>[^?/]+)(?:\\?(?<params>.*))?");

  /**
   * URL parameters that pg_dump, pg_restore and psql understand too, and the libpq environment
   * variable each one becomes for them (JDBC gets every parameter as a connection property).
   */
  static final Map<String, String> LIBPQ_ENVIRONMENT =
      Map.of(
          "sslmode", "PGSSLMODE",
          "sslrootcert", "PGSSLROOTCERT",
          "sslcert", "PGSSLCERT",
          "sslkey", "PGSSLKEY",
          "sslcrl", "PGSSLCRL",
          "options", "PGOPTIONS",
          "gssencmode", "PGGSSENCMODE",
          "target_session_attrs", "PGTARGETSESSIONATTRS");

  public PgConnection(String host, int port, String database, String user, String password) {
    this(host, port, database, user, password, Map.of());
  }

  public PgConnection {
    params = params == null ? Map.of() : Map.copyOf(params);
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
   * ({@code [::1]}). Parameters ({@code ?sslmode=verify-full&sslrootcert=/etc/ca.pem}) reach the
   * JDBC driver and, where libpq has them too, pg_dump and pg_restore; user and password come only
   * from the configuration.
   */
  public static PgConnection fromJdbcUrl(String jdbcUrl, String user, String password) {
    if (jdbcUrl == null) {
      throw new IllegalArgumentException("PostgreSQL JDBC URL is missing");
    }
    if (jdbcUrl.matches("(?s)jdbc:postgresql://[^/?]*@.*")) {
      throw malformed(
          jdbcUrl,
          "credentials do not belong in the URL; set username and password (from the"
              + " environment or a file) instead");
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
    return new PgConnection(host, port, database, user, password, params(m.group("params")));
  }

  private static Map<String, String> params(String query) {
    Map<String, String> params = new java.util.LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (!key.isEmpty() && !key.equalsIgnoreCase("user") && !key.equalsIgnoreCase("password")) {
        params.put(key, value);
      }
    }
    return params;
  }

  /** The libpq environment for the parameters the command-line tools understand. */
  Map<String, String> libpqEnvironment() {
    Map<String, String> env = new java.util.HashMap<>();
    params.forEach(
        (k, v) -> {
          String var = LIBPQ_ENVIRONMENT.get(k.toLowerCase(java.util.Locale.ROOT));
          if (var != null) {
            env.put(var, v);
          }
        });
    return env;
  }

  private static IllegalArgumentException malformed(String jdbcUrl, String why) {
    return new IllegalArgumentException(
        "malformed PostgreSQL JDBC URL '" + redact(jdbcUrl) + "': " + why);
  }

  /** The URL with its credentials (user-info, password parameters) replaced, fit for messages. */
  public static String redact(String jdbcUrl) {
    return dev.lifeboat.base.Redaction.urls(jdbcUrl);
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
    return new PgConnection(host, port, db, user, password, params);
  }

  /** Opens a JDBC connection as {@link #user()}, reported to the server as {@code lifeboat}. */
  public Connection open() throws SQLException {
    return open("lifeboat", Map.of());
  }

  /**
   * Opens a JDBC connection reported to the server as {@code applicationName}, with more driver
   * properties ({@code socketTimeout}, {@code tcpKeepAlive}) over the URL's parameters.
   */
  public Connection open(String applicationName, Map<String, String> driverProperties)
      throws SQLException {
    Properties props = new Properties();
    params.forEach(props::setProperty);
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", applicationName);
    props.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
    driverProperties.forEach(props::setProperty);
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
        + (params.isEmpty() ? "" : ", params=" + params.keySet())
        + "]";
  }
}
