package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host of the embedded control file and a second, real process connected through it: the host
 * closing the file while the other is inside a transaction breaks that transaction, unless the host
 * waits for it ({@link EmbeddedHandover}).
 */
class EmbeddedHandoverIntegrationTests {

  private static final String USER = "lifeboat";
  private static final String PASSWORD = "handover-test";

  @TempDir Path home;

  @Test
  void theHostWaitsForAProcessInTheMiddleOfATransactionAndThatTransactionCommits()
      throws Exception {
    Outcome outcome = hostThenClose(EmbeddedHandover.LIMIT);

    assertThat(outcome.client).as(outcome.toString()).contains("committed", "rows=2");
    assertThat(outcome.exitCode).as(outcome.toString()).isZero();
    assertThat(outcome.waited).as(outcome.toString()).isGreaterThan(Duration.ofMillis(1500));
  }

  @Test
  void withoutTheWaitTheSameTransactionBreaks() throws Exception {
    // the race itself, so the test above cannot pass for another reason. The transaction breaks in
    // one of two ways: the client's next statement fails, or (seen once on a loaded machine) H2
    // reconnects it to a fresh session in which its first, uncommitted insert is gone and the rest
    // commits; either way it never commits whole
    Outcome outcome = hostThenClose(Duration.ZERO);

    assertThat(outcome.client).as(outcome.toString()).contains("hosting=false");
    assertThat(outcome.client).as(outcome.toString()).doesNotContain("rows=2");
  }

  @Test
  void onlyTheProcessThatOpenedTheFileCountsAsItsHost() throws Exception {
    String url = ControlDatabaseConfiguration.h2Url(home);
    try (Connection host = DriverManager.getConnection(url, USER, PASSWORD);
        Statement st = host.createStatement()) {
      Process client = client(url, 0);
      // this JVM hosts; the client reaches the file through this JVM's server and does not wait
      assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = read(client);
      assertThat(out).contains("hosting=false", "committed");
      assertThat(EmbeddedHandover.hosting(st)).isTrue();
    }
  }

  @Test
  void aControlDatabaseThatCannotBeReadAtTheEndDoesNotHoldTheProcess() throws Exception {
    // the file already closed (a SHUTDOWN, a crash of the server it went through): nothing to wait
    // for, and the command's own exit code stays as it was
    JdbcDataSource closed = new JdbcDataSource();
    closed.setURL(ControlDatabaseConfiguration.h2Url(home) + ";IFEXISTS=TRUE");
    closed.setUser(USER);
    closed.setPassword(PASSWORD);
    long start = System.nanoTime();
    new EmbeddedHandover(closed, true, EmbeddedHandover.LIMIT).close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  private record Outcome(Duration waited, int exitCode, String client) {}

  private Outcome hostThenClose(Duration limit) throws Exception {
    String url = ControlDatabaseConfiguration.h2Url(home);
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL(url);
    dataSource.setUser(USER);
    dataSource.setPassword(PASSWORD);
    Process client;
    Duration waited;
    // this connection makes this JVM the file's host, as the first of several commands is
    try (Connection host = dataSource.getConnection();
        Statement st = host.createStatement()) {
      client = client(url, 3000);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (EmbeddedHandover.others(st) == 0 || !inTransaction(st)) {
        assertThat(System.nanoTime()).as("the client connected").isLessThan(deadline);
        Thread.sleep(20);
      }
      long start = System.nanoTime();
      new EmbeddedHandover(dataSource, true, limit).close();
      waited = Duration.ofNanos(System.nanoTime() - start);
      // what H2 does when the host's JVM exits: the file and its server close for everyone
      st.execute("SHUTDOWN");
    }
    assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Outcome(waited, client.exitValue(), read(client));
  }

  private static boolean inTransaction(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"
                + " WHERE CLIENT_ADDR IS NOT NULL AND CONTAINS_UNCOMMITTED")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }

  private static Process client(String url, long holdMillis) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            List.of(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Client.class.getName(),
                url,
                String.valueOf(holdMillis)))
        .redirectErrorStream(true)
        .start();
  }

  private static String read(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** Another Lifeboat process: one transaction that spans {@code holdMillis}, then commit. */
  public static final class Client {
    public static void main(String[] args) throws Exception {
      try (Connection c = DriverManager.getConnection(args[0], USER, PASSWORD);
          Statement st = c.createStatement()) {
        System.out.println("hosting=" + EmbeddedHandover.hosting(st));
        st.execute("CREATE TABLE IF NOT EXISTS T (ID INT)");
        c.setAutoCommit(false);
        st.execute("INSERT INTO T VALUES (1)");
        Thread.sleep(Long.parseLong(args[1]));
        st.execute("INSERT INTO T VALUES (2)");
        c.commit();
        System.out.println("committed");
        try (java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM T")) {
          rs.next();
          System.out.println("rows=" + rs.getInt(1));
        }
      }
    }
  }
}
