package dev.lifeboat.wal;

import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.testing.PostgresServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;

/**
 * What the WAL integration tests ask of one target's archive on a server with 1 MB segments: write
 * and switch segments, read the slot, and list what a store holds of the target's WAL (segments,
 * the end of its WAL, whether its segments form one run).
 */
final class WalArchiveProbe {

  /** The segment size of the servers these tests start ({@code ServerOptions.walSegmentMb(1)}). */
  static final long SEGMENT = 1024 * 1024;

  private final PostgresServer server;
  private final String target;

  WalArchiveProbe(PostgresServer server, String target) {
    this.server = server;
    this.target = target;
  }

  /** The first column of the first row of {@code sql} on the server's {@code postgres}. */
  String query(String sql) {
    return query(sql, server.connection("postgres"));
  }

  static String query(String sql, PgConnection on) {
    try (Connection c = on.open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes WAL and completes {@code segments} segments; returns the last completed one. */
  String writeAndSwitch(int segments) {
    server.cluster().execute("CREATE TABLE IF NOT EXISTS filler (x text)");
    String last = null;
    for (int i = 0; i < segments; i++) {
      server
          .cluster()
          .execute("INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 200)");
      last = query("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
      server.cluster().execute("SELECT pg_switch_wal()");
    }
    return last;
  }

  /** pgbench against {@code db} as the superuser, running in the background; output discarded. */
  Process pgbench(PgConnection db, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(server.binaries().require("pgbench", 10).path().toString());
    command.addAll(
        List.of(
            "-h", "127.0.0.1", "-p", String.valueOf(server.cluster().port()), "-U", "postgres"));
    command.addAll(List.of(args));
    command.add(db.database());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PGPASSWORD", server.superuserPassword());
    return pb.start();
  }

  /**
   * Writes about a segment of random bytes (what zstd cannot shrink: sealed, it takes as much spool
   * as the WAL it holds) and completes its segment; returns it.
   */
  String writeIncompressibleAndSwitch() {
    server.cluster().execute("CREATE TABLE IF NOT EXISTS noise (b bytea)");
    // 900 rows of 960 random bytes: under the 2 kB at which a value would be compressed (TOAST)
    server
        .cluster()
        .execute(
            "INSERT INTO noise SELECT decode(string_agg(md5(random()::text), ''), 'hex')"
                + " FROM generate_series(1, 900) i, generate_series(1, 60) j GROUP BY i");
    String last = query("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
    server.cluster().execute("SELECT pg_switch_wal()");
    return last;
  }

  /** Where the target's slot keeps the server's WAL from; {@link Lsn#INVALID} with no slot. */
  Lsn slotRestart() {
    String lsn =
        query(
            "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = 'lifeboat_"
                + target
                + "'");
    return lsn == null ? Lsn.INVALID : Lsn.parse(lsn);
  }

  List<WalArchive.Entry> entries(BackupStore store) {
    return WalArchive.entries(target, SEGMENT, store.list(WalArchive.root(target)));
  }

  /** The names of the completed segments {@code store} holds. */
  TreeSet<String> segments(BackupStore store) {
    TreeSet<String> names = new TreeSet<>();
    for (WalArchive.Entry e : entries(store)) {
      if (e.kind() == WalArchive.Kind.SEGMENT) {
        names.add(e.segment().name());
      }
    }
    return names;
  }

  /** The end of the WAL the store holds, partial segments included. */
  Lsn endOfWal(BackupStore store) {
    return entries(store).stream()
        .filter(e -> e.kind() != WalArchive.Kind.HISTORY)
        .map(WalArchive.Entry::end)
        .max(Lsn::compareTo)
        .orElse(Lsn.INVALID);
  }

  /** Completed segments form one run from the first to the last (none is one run too). */
  static boolean contiguous(List<WalArchive.Entry> entries) {
    TreeSet<Long> numbers = new TreeSet<>();
    for (WalArchive.Entry e : entries) {
      if (e.kind() == WalArchive.Kind.SEGMENT) {
        numbers.add(e.segmentNumber());
      }
    }
    return numbers.isEmpty() || numbers.last() - numbers.first() + 1 == numbers.size();
  }

  /** A receivers' status table over a fresh in-memory control database, migrated as shipped. */
  static WalStatusTable statusTable() {
    JdbcDataSource control = new JdbcDataSource();
    control.setURL("jdbc:h2:mem:walarch-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    Flyway.configure()
        .dataSource(control)
        .locations("classpath:db/control/h2")
        .table("lifeboat_schema_history")
        .load()
        .migrate();
    return new WalStatusTable(control);
  }

  /**
   * The value of {@code series} (name and labels as scraped) in a Prometheus scrape; NaN if none.
   */
  static double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  static void waitUntil(BooleanSupplier condition, String what, int seconds)
      throws InterruptedException {
    Instant until = Instant.now().plusSeconds(seconds);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(until)) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(100);
    }
  }
}
