package dev.lifeboat.run;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.PrivateFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps the embedded H2 control database to Lifeboat's own user. While a process hosts the
 * file for the others (AUTO_SERVER), H2 runs a TCP server; anyone who can reach its port and knows
 * the key in {@code lifeboat.lock.db} may log in, and a logged-in user reads and writes files as
 * Lifeboat's user ({@code FILE_READ}, {@code FILE_WRITE}). So: the server listens on 127.0.0.1
 * only, the control directory is {@code 0700} with its files {@code 0600}, and the database's user
 * has a generated password kept in {@code <home>/control/password} ({@code 0600}), which every
 * process of the same user sharing the home reads.
 */
final class EmbeddedControl {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.control");

  static final String USER = "sa";
  static final String PASSWORD_FILE = "password";

  /** The password being set on a database made before there was one, until the change is done. */
  static final String PENDING_FILE = "password.new";

  /** H2's "Wrong user name or password". */
  static final int WRONG_PASSWORD = 28000;

  private static final String BIND = "h2.bindAddress";

  private EmbeddedControl() {}

  /**
   * H2 binds the AUTO_SERVER port to {@code h2.bindAddress}, read once when its {@code
   * SysProperties} class loads, and to every interface without it. Sets it to 127.0.0.1 before
   * that, then checks what H2 took: a JVM where H2 was loaded earlier, or told another address,
   * does not open the embedded database at all.
   */
  static void listenOnLoopbackOnly() {
    String requested = System.getProperty(BIND);
    if (requested == null) {
      requested = "127.0.0.1";
      System.setProperty(BIND, requested);
    }
    String problem = bindProblem(requested, org.h2.engine.SysProperties.BIND_ADDRESS);
    if (problem != null) {
      throw new ConfigException("lifeboat.home", problem);
    }
  }

  /**
   * Why H2's server would not listen on loopback only, given the address asked for and the one H2
   * took (null: every interface); null when it would.
   */
  static String bindProblem(String requested, String effective) {
    if (loopback(effective)) {
      return null;
    }
    String where = effective == null || effective.isBlank() ? "every interface" : effective;
    if (!requested.equals(effective)) {
      // H2 was loaded before this ran (Lifeboat started inside another program's JVM)
      return "H2 was loaded in this JVM before Lifeboat could bind its server to 127.0.0.1, so the"
          + " embedded control database would accept connections on "
          + where
          + "; add -D"
          + BIND
          + "=127.0.0.1 to the Java options, or run Lifeboat in a JVM of its own";
    }
    return "the embedded control database would accept connections on "
        + where
        + " (Java system property "
        + BIND
        + "), where other machines reach it; remove -D"
        + BIND
        + " from the Java options (Lifeboat binds it to 127.0.0.1), or set"
        + " lifeboat.control.url to a PostgreSQL database";
  }

  private static boolean loopback(String address) {
    try {
      return address != null
          && !address.isBlank()
          && InetAddress.getByName(address).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  /** Opens a connection to the embedded database with a password (the race with other hosts). */
  interface Opener {
    Connection open(String password) throws SQLException;
  }

  /**
   * The password of the embedded database in {@code control} (the directory, already private),
   * decided from what is there, then made so:
   *
   * <ul>
   *   <li>{@code password} exists: it is the password;
   *   <li>no database yet: a new password, written first; H2 creates the database with it;
   *   <li>a database without a {@code password} file (made by a Lifeboat before this one, user
   *       {@code sa} with the empty password): a new password is written to {@code password.new},
   *       set on the database, and only then renamed to {@code password}. A run that stopped half
   *       way finds {@code password.new} and finishes, whether or not the change had reached the
   *       database.
   * </ul>
   *
   * Must run under the home's open lock, so that two processes never both choose a password.
   */
  static Resolved password(Path control, Opener opener) throws SQLException {
    Path file = control.resolve(PASSWORD_FILE);
    Path pending = control.resolve(PENDING_FILE);
    String key = "lifeboat.home";
    if (Files.exists(file)) {
      return new Resolved(read(file), false);
    }
    if (!Files.exists(control.resolve("lifeboat.mv.db"))) {
      String password = generate();
      PrivateFiles.write(file, password, key);
      deleteQuietly(pending);
      return new Resolved(password, false);
    }
    String password;
    if (Files.exists(pending)) {
      password = read(pending);
    } else {
      password = generate();
      PrivateFiles.write(pending, password, key);
    }
    try (Connection c = opener.open("")) {
      // user sa has no password yet: set it; a parameter keeps it out of any statement text
      try (PreparedStatement st = c.prepareStatement("ALTER USER " + USER + " SET PASSWORD ?")) {
        st.setString(1, password);
        st.execute();
      }
    } catch (SQLException e) {
      if (!wrongPassword(e)) {
        throw e;
      }
      // the change reached the database before an earlier run stopped: the pending one opens it
      try (Connection ignored = opener.open(password)) {
        // it does
      } catch (SQLException again) {
        if (!wrongPassword(again)) {
          throw again;
        }
        throw new ConfigException(
            key,
            "the embedded control database under "
                + control
                + " has a password Lifeboat does not know (there is no "
                + file.getFileName()
                + " file beside it, and neither the empty password nor the one in "
                + pending.getFileName()
                + " opens it); put back the "
                + file.getFileName()
                + " file that belongs to it, or move "
                + control
                + " away to start a new control database (its job history stays in the moved copy)");
      }
    }
    PrivateFiles.move(pending, file, key);
    return new Resolved(password, true);
  }

  /** The password, and whether this run set it on a database made before there was one. */
  record Resolved(String password, boolean migrated) {
    @Override
    public String toString() {
      return "Resolved[migrated=" + migrated + "]";
    }
  }

  static boolean wrongPassword(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getErrorCode() == WRONG_PASSWORD) {
        return true;
      }
    }
    return false;
  }

  /** 256 random bits, URL-safe Base64: no character H2, YAML or a shell would treat specially. */
  static String generate() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String read(Path file) {
    try {
      String value = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (value.isEmpty()) {
        throw new ConfigException(
            "lifeboat.home",
            file
                + " is empty; put back the password file that belongs to this control database,"
                + " or move "
                + file.getParent()
                + " away to start a new one");
      }
      return value;
    } catch (IOException e) {
      throw new ConfigException(
          "lifeboat.home",
          "cannot read "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + "); it must be readable by Lifeboat's user");
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // a leftover pending file is never read while the password file exists
      log.debug("could not delete {}: {}", file, e.getMessage());
    }
  }
}
