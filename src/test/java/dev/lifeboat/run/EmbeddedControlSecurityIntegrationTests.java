package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.jdbc.DataSourceBuilder;

/**
 * The embedded control database against another OS user of the machine ({@code nobody}) and against
 * other machines, while {@code serve} hosts it (H2 AUTO_SERVER) from a home made by the real jar.
 * The home's parent is opened to everyone (0755), so what keeps {@code nobody} out is Lifeboat's
 * own modes, not the test's temporary directory.
 */
class EmbeddedControlSecurityIntegrationTests {

  static final String ATTACKER = "nobody";

  static Path dir;
  static Fixture fx;
  static Path config;
  static Running serve;
  static Path control;
  static String key;
  static int port;
  static Path h2Jar;
  static final java.util.Map<Path, String> modesAtStart = new java.util.LinkedHashMap<>();

  @BeforeAll
  static void serveHostsTheControlDatabase() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "runs the attacker as another OS user with runuser, which needs root (CI runs as root)");
    dir = Files.createTempDirectory("lifeboat-control-security-");
    open(dir);
    PgConnection db = PostgresServer.shared().createDatabase("control_security");
    fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    config = fx.write(db, "app");
    serve =
        fx.cli()
            .start(
                "--config",
                config.toString(),
                "serve",
                "--lifeboat.http.port=" + PostgresServer.freePort());
    Path lock = fx.home.resolve("control/lifeboat.lock.db");
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (!serve.stderrSoFar().contains("serving: node")) {
      assertThat(serve.process().isAlive()).as(serve.stderrSoFar()).isTrue();
      assertThat(Instant.now()).as("serve started: " + serve.stderrSoFar()).isBefore(deadline);
      Thread.sleep(200);
    }
    control = fx.home.resolve("control");
    // as serve left them once open (files H2 makes later, such as its trace file after a failed
    // login, take the umask's mode inside the private directory until the next open tightens them)
    modesAtStart.put(fx.home, mode(fx.home));
    modesAtStart.put(control, mode(control));
    try (Stream<Path> files = Files.list(control)) {
      for (Path f : files.toList()) {
        modesAtStart.put(f, mode(f));
      }
    }
    Properties props = new Properties();
    try (var in = Files.newInputStream(lock)) {
      props.load(in);
    }
    key = props.getProperty("id");
    port = Integer.parseInt(props.getProperty("server").replaceAll(".*:", ""));
    // the attacker's own H2 client, in a place nobody may read
    Path tools = open(Files.createDirectories(dir.resolve("tools")));
    h2Jar = tools.resolve("h2.jar");
    Files.copy(
        Path.of(org.h2.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
        h2Jar);
    Files.setPosixFilePermissions(h2Jar, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @AfterAll
  static void stopServe() throws Exception {
    if (serve != null) {
      serve.process().destroy();
      if (!serve.process().waitFor(40, TimeUnit.SECONDS)) {
        serve.kill();
      }
    }
  }

  private static Path open(Path path) throws IOException {
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }

  @Test
  void theHostsPortListensOnLoopbackOnlyAndOtherAddressesOfTheMachineRefuseIt() throws Exception {
    List<InetAddress> listening = listeners(port);
    assertThat(listening).as("listeners on port " + port).isNotEmpty();
    assertThat(listening)
        .as("addresses H2's server listens on (port %d)", port)
        .allMatch(InetAddress::isLoopbackAddress);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 2000);
    }
    for (InetAddress other : otherAddresses()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(other, port), 2000);
        throw new AssertionError("the control database answers on " + other + ":" + port);
      } catch (java.net.ConnectException expected) {
        assertThat(expected.getMessage()).contains("refused");
      }
    }
  }

  @Test
  void anotherOsUserCanReadNoFileOfTheControlDatabaseNorItsKey() throws Exception {
    for (String name : List.of("lifeboat.lock.db", "lifeboat.mv.db", "password")) {
      Proc cat = asAttacker(List.of("cat", control.resolve(name).toString()));
      assertThat(cat.exit()).as(name + ": " + cat.output()).isNotZero();
      assertThat(cat.output()).contains("Permission denied").doesNotContain(key);
    }
    try (Stream<Path> files = Files.list(control)) {
      for (Path f : files.toList()) {
        Proc cat = asAttacker(List.of("cat", f.toString()));
        assertThat(cat.exit()).as(f + ": " + cat.output()).isNotZero();
      }
    }
    assertThat(modesAtStart.get(fx.home)).isEqualTo("rwx------");
    assertThat(modesAtStart.get(control)).isEqualTo("rwx------");
    assertThat(modesAtStart.keySet())
        .contains(control.resolve("lifeboat.lock.db"), control.resolve("password"));
    modesAtStart.forEach(
        (p, m) -> {
          if (!Files.isDirectory(p)) {
            assertThat(m).as(p.toString()).isEqualTo("rw-------");
          }
        });
  }

  @Test
  void theKeyAloneLetsAnotherOsUserNeitherLogInNorReadAFile() throws Exception {
    // the key leaked (a backup of the home, a support bundle): still no way in without the password
    Path secret = dir.resolve("root-only.txt");
    Files.writeString(secret, "root-only-marker-7f3a");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

    Proc attack =
        asAttacker(
            List.of(
                java(),
                "-cp",
                h2Jar.toString(),
                "org.h2.tools.Shell",
                "-url",
                "jdbc:h2:tcp://127.0.0.1:" + port + "/" + key,
                "-user",
                "sa",
                "-password",
                "",
                "-sql",
                "SELECT CAST(FILE_READ('" + secret + "', NULL) AS VARCHAR)"));

    assertThat(attack.exit()).as(attack.output()).isNotZero();
    assertThat(attack.output())
        .contains("Wrong user name or password")
        .doesNotContain("root-only-marker-7f3a");
  }

  @Test
  void aTypedCommandBesideServeConnectsAndThePasswordIsInNoOutputArgumentOrOtherFile()
      throws Exception {
    String password = Files.readString(control.resolve("password"));
    assertThat(password).hasSize(43);

    Result history = fx.cli().run("--config", config.toString(), "history", "--json");

    assertThat(history.exitCode()).as(history.toString()).isZero();
    assertThat(serve.process().isAlive()).isTrue();
    assertThat(history.all()).doesNotContain(password);
    assertThat(serve.stderrSoFar()).doesNotContain(password);
    long pid = serve.process().pid();
    for (String proc : List.of("cmdline", "environ")) {
      assertThat(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/" + proc))))
          .as(proc)
          .doesNotContain(password);
    }
    // what ps shows of every process on the machine
    StringBuilder ps = new StringBuilder();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          ps.append(new String(Files.readAllBytes(p.resolve("cmdline")))).append('\n');
        } catch (IOException gone) {
          // the process ended meanwhile
        }
      }
    }
    assertThat(ps.toString()).contains("serve").doesNotContain(password);
    byte[] needle = password.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(fx.home)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (!f.equals(control.resolve("password"))) {
          assertThat(indexOf(Files.readAllBytes(f), needle)).as(f.toString()).isEqualTo(-1);
        }
      }
    }
  }

  @Test
  void aHomeAnOlderLifeboatMadeGetsThePasswordAndPrivateModesOnFirstOpenAndKeepsItsData()
      throws Exception {
    Path old = open(Files.createDirectories(dir.resolve("old")));
    Fixture oldFx = new Fixture(old).filesystem("local", old.resolve("store"));
    Path oldControl = Files.createDirectories(oldFx.home.resolve("control"));
    // what every Lifeboat before this one left: user sa with the empty password, 0755 and 0644
    String file = "jdbc:h2:file:" + oldControl.resolve("lifeboat");
    try (var ds =
        (com.zaxxer.hikari.HikariDataSource)
            DataSourceBuilder.create().url(file).username("sa").password("").build()) {
      ControlSchema.migrate(ds, true, "lifeboat.home");
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE old_marker (note varchar)");
        st.execute("INSERT INTO old_marker VALUES ('kept')");
      }
    }
    for (Path p : List.of(oldFx.home, oldControl)) {
      open(p);
    }
    try (Stream<Path> files = Files.list(oldControl)) {
      for (Path f : files.toList()) {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    PgConnection db = PostgresServer.shared().createDatabase("control_security_old");
    Path oldConfig = oldFx.write(db, "app");

    Result first = oldFx.cli().run("--config", oldConfig.toString(), "history", "--json");

    assertThat(first.exitCode()).as(first.toString()).isZero();
    String password = Files.readString(oldControl.resolve("password"));
    assertThat(password).hasSize(43);
    assertThat(first.all()).doesNotContain(password);
    assertThat(oldControl.resolve("password.new")).doesNotExist();
    assertThat(mode(oldFx.home)).isEqualTo("rwx------");
    assertThat(mode(oldControl)).isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(oldControl)) {
      for (Path f : files.toList()) {
        assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
      }
    }
    try (Connection ignored = DriverManager.getConnection(file, "sa", "")) {
      throw new AssertionError("the empty password still opens the migrated database");
    } catch (SQLException e) {
      assertThat(e.getErrorCode()).as(e.getMessage()).isEqualTo(28000);
    }
    try (Connection c = DriverManager.getConnection(file, "sa", password);
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT note FROM old_marker")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("kept");
    }
    Result again = oldFx.cli().run("--config", oldConfig.toString(), "history", "--json");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(Files.readString(oldControl.resolve("password"))).isEqualTo(password);
  }

  @Test
  void aJavaOptionThatWouldOpenThePortToOtherMachinesIsRefusedBeforeAnythingIsCreated()
      throws Exception {
    Path other = Files.createDirectories(dir.resolve("bind"));
    Fixture otherFx = new Fixture(other).filesystem("local", other.resolve("store"));
    Path otherConfig =
        otherFx.write(PostgresServer.shared().createDatabase("control_security_bind"), "app");

    Result r =
        otherFx
            .cli()
            .jvmOption("-Dh2.bindAddress=0.0.0.0")
            .run("--config", otherConfig.toString(), "history");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains(
            "lifeboat: lifeboat.home: the embedded control database would accept connections on"
                + " 0.0.0.0 (Java system property h2.bindAddress)")
        .contains("remove -Dh2.bindAddress")
        .doesNotContain("Exception");
    assertThat(otherFx.home.resolve("control/lifeboat.mv.db")).doesNotExist();
  }

  // ---- helpers

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** The local addresses of every socket listening on {@code port}, from the kernel's tables. */
  static List<InetAddress> listeners(int port) throws IOException {
    List<InetAddress> found = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      for (String line : Files.readAllLines(path).stream().skip(1).toList()) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        if (!f[3].equals("0A") || Integer.parseInt(local[1], 16) != port) {
          continue;
        }
        // the kernel prints each 32-bit word of the address in host (little-endian) order
        byte[] raw = HexFormat.of().parseHex(local[0]);
        byte[] address = new byte[raw.length];
        for (int w = 0; w < raw.length; w += 4) {
          for (int b = 0; b < 4; b++) {
            address[w + b] = raw[w + 3 - b];
          }
        }
        found.add(InetAddress.getByAddress(address));
      }
    }
    return found;
  }

  /** This machine's addresses other machines could use: not loopback, not link-local. */
  static List<InetAddress> otherAddresses() throws IOException {
    List<InetAddress> result = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          result.add(a instanceof Inet6Address v6 ? Inet6Address.getByAddress(v6.getAddress()) : a);
        }
      }
    }
    return result;
  }

  record Proc(int exit, String output) {}

  static Proc asAttacker(List<String> command) throws Exception {
    List<String> all = new ArrayList<>(List.of("runuser", "-u", ATTACKER, "--"));
    all.addAll(command);
    return run(all);
  }

  static Proc run(List<String> command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .directory(new java.io.File("/"))
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Proc(p.exitValue(), out);
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
