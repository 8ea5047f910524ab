package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.PrivateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded control database's password: generated for a new database, set on one an older
 * Lifeboat made with the empty password, and a change that stopped half way is finished.
 */
class EmbeddedControlTests {

  @TempDir Path control;

  // the file alone, without AUTO_SERVER: these tests need no TCP server in the test JVM
  private String url() {
    return "jdbc:h2:file:" + control.resolve("lifeboat");
  }

  private Connection open(String password) throws SQLException {
    return DriverManager.getConnection(url(), EmbeddedControl.USER, password);
  }

  private EmbeddedControl.Resolved resolve() throws SQLException {
    return EmbeddedControl.password(control, this::open);
  }

  /** What every Lifeboat before this one left: user sa, the empty password, one table of data. */
  private void oldDatabase(String password) throws SQLException {
    try (Connection c = open(password);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE kept (id int)");
      st.execute("INSERT INTO kept VALUES (42)");
    }
  }

  private void assertOpensWithOnly(String password) throws SQLException {
    try (Connection c = open(password);
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM INFORMATION_SCHEMA.USERS")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    assertThatThrownBy(() -> open("").close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(EmbeddedControl.wrongPassword(e)).isTrue());
  }

  private int kept(String password) throws SQLException {
    try (Connection c = open(password);
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT id FROM kept")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void aNewDatabaseGetsAGeneratedPasswordInAFileOnlyLifeboatsUserReads() throws Exception {
    EmbeddedControl.Resolved resolved = resolve();

    Path file = control.resolve("password");
    assertThat(Files.readString(file)).isEqualTo(resolved.password());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(resolved.password()).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(resolved.migrated()).isFalse();
    assertThat(resolved.toString()).doesNotContain(resolved.password());
    // H2 creates the database with the password it is first opened with
    open(resolved.password()).close();
    assertOpensWithOnly(resolved.password());

    EmbeddedControl.Resolved again = resolve();
    assertThat(again.password()).isEqualTo(resolved.password());
    assertThat(again.migrated()).isFalse();
    assertThat(EmbeddedControl.generate()).isNotEqualTo(resolved.password());
  }

  @Test
  void aDatabaseMadeWithTheEmptyPasswordGetsAGeneratedOneAndKeepsItsData() throws Exception {
    oldDatabase("");

    EmbeddedControl.Resolved resolved = resolve();

    assertThat(resolved.migrated()).isTrue();
    assertThat(Files.readString(control.resolve("password"))).isEqualTo(resolved.password());
    assertThat(control.resolve("password.new")).doesNotExist();
    assertOpensWithOnly(resolved.password());
    assertThat(kept(resolved.password())).isEqualTo(42);
    assertThat(resolve().migrated()).isFalse();
  }

  @Test
  void aChangeThatStoppedAfterReachingTheDatabaseIsFinishedWithThePendingPassword()
      throws Exception {
    oldDatabase("");
    String pending = EmbeddedControl.generate();
    try (Connection c = open("");
        var st = c.prepareStatement("ALTER USER SA SET PASSWORD ?")) {
      st.setString(1, pending);
      st.execute();
    }
    PrivateFiles.write(control.resolve("password.new"), pending, "lifeboat.home");

    EmbeddedControl.Resolved resolved = resolve();

    assertThat(resolved.password()).isEqualTo(pending);
    assertThat(Files.readString(control.resolve("password"))).isEqualTo(pending);
    assertThat(control.resolve("password.new")).doesNotExist();
    assertThat(kept(pending)).isEqualTo(42);
  }

  @Test
  void aChangeThatStoppedBeforeReachingTheDatabaseIsFinishedWithThePendingPassword()
      throws Exception {
    oldDatabase("");
    String pending = EmbeddedControl.generate();
    PrivateFiles.write(control.resolve("password.new"), pending, "lifeboat.home");

    EmbeddedControl.Resolved resolved = resolve();

    assertThat(resolved.password()).isEqualTo(pending);
    assertOpensWithOnly(pending);
    assertThat(control.resolve("password.new")).doesNotExist();
  }

  @Test
  void aDatabaseWithAPasswordNobodyKeptIsRefusedNamingTheDirectoryAndLeftAsItWas()
      throws Exception {
    oldDatabase("someone-else-set-this");

    assertThatThrownBy(this::resolve)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.home: the embedded control database under " + control)
        .hasMessageContaining("has a password Lifeboat does not know")
        .hasMessageContaining("put back the password file");
    assertThat(control.resolve("password")).doesNotExist();
    assertThat(kept("someone-else-set-this")).isEqualTo(42);
  }

  @Test
  void theServerMayListenOnLoopbackOnlyAndAnythingElseIsRefusedSayingWhy() {
    assertThat(EmbeddedControl.bindProblem("127.0.0.1", "127.0.0.1")).isNull();
    assertThat(EmbeddedControl.bindProblem("::1", "::1")).isNull();
    assertThat(EmbeddedControl.bindProblem("0.0.0.0", "0.0.0.0"))
        .startsWith("the embedded control database would accept connections on 0.0.0.0")
        .contains("remove -Dh2.bindAddress");
    assertThat(EmbeddedControl.bindProblem("", ""))
        .contains("would accept connections on every interface");
    // H2 loaded by someone else first, before the property was set: it took no address at all
    assertThat(EmbeddedControl.bindProblem("127.0.0.1", null))
        .startsWith("H2 was loaded in this JVM before Lifeboat could bind its server to 127.0.0.1")
        .contains("would accept connections on every interface")
        .contains("add -Dh2.bindAddress=127.0.0.1");
  }
}
