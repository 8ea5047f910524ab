package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.ReplicationSlots.Reason;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.pg.ReplicationSlots.SlotException;
import dev.lifeboat.pg.ReplicationSlots.WalStatus;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.ServerOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The slot SQL of plan §2.5 on a real PostgreSQL (1 MB WAL segments), run as a role with LOGIN
 * REPLICATION and no superuser, as Lifeboat's target role will be.
 */
class ReplicationSlotsIntegrationTests {

  private static PostgresServer server;
  private static PgConnection replicator;

  @BeforeAll
  static void startAServerWithAReplicationRole() {
    server = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    replicator = server.replicationRole("walrole", "pw-walrole-7391");
    server.cluster().execute("CREATE TABLE filler (x text)");
    server.cluster().execute("GRANT SELECT ON filler TO walrole");
  }

  @AfterAll
  static void stopTheServer() {
    if (server != null) {
      server.cluster().close();
    }
  }

  @Test
  void aReplicationRoleWithoutSuperuserCreatesReadsAdvancesAndDropsItsSlot() throws SQLException {
    try (Connection c = replicator.open()) {
      assertThat(query(c, "SHOW wal_level")).isEqualTo("replica");
      assertThat(query(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"))
          .isEqualTo("false");
      ReplicationSlots slots = new ReplicationSlots(c, "app");

      assertThat(slots.createIfMissing("lifeboat_app")).isTrue();
      assertThat(slots.createIfMissing("lifeboat_app")).isFalse();
      Slot created = slots.read("lifeboat_app").orElseThrow();
      assertThat(created.walStatus()).isEqualTo(WalStatus.RESERVED);
      assertThat(created.active()).isFalse();
      assertThat(created.restartLsn()).isGreaterThan(Lsn.INVALID);
      assertThat(created.safeWalSize()).as("max_slot_wal_keep_size = -1: unlimited").isNull();

      writeWalAndSwitch(3);
      Slot behind = slots.read("lifeboat_app").orElseThrow();
      assertThat(behind.restartLsn()).isEqualTo(created.restartLsn());
      assertThat(behind.retainedBytes()).isGreaterThan(2L * 1024 * 1024);

      Lsn now = Lsn.parse(query(c, "SELECT pg_current_wal_flush_lsn()::text"));
      assertThat(slots.advance("lifeboat_app", now)).isEqualTo(now);
      Slot moved = slots.read("lifeboat_app").orElseThrow();
      assertThat(moved.restartLsn()).isEqualTo(now);
      assertThat(moved.retainedBytes()).isLessThan(1024L * 1024);

      assertThat(slots.advance("lifeboat_app", created.restartLsn()))
          .as("an older position leaves the slot where it is")
          .isEqualTo(now);
      assertThat(slots.read("lifeboat_app").orElseThrow().restartLsn()).isEqualTo(now);

      slots.drop("lifeboat_app");
      assertThat(slots.read("lifeboat_app")).isEmpty();
    }
  }

  @Test
  void aMissingSlotIsRefusedNamingTheSlotTheTargetAndThePosition() throws SQLException {
    try (Connection c = replicator.open()) {
      ReplicationSlots slots = new ReplicationSlots(c, "app");

      assertThatThrownBy(() -> slots.advance("lifeboat_gone", Lsn.parse("0/3000000")))
          .isInstanceOfSatisfying(
              SlotException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MISSING))
          .hasMessage(
              "target app: cannot advance replication slot lifeboat_gone to 0/3000000: it does not"
                  + " exist; it was dropped or never created");
      assertThatThrownBy(() -> slots.drop("lifeboat_gone"))
          .isInstanceOfSatisfying(
              SlotException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MISSING))
          .hasMessage(
              "target app: cannot drop replication slot lifeboat_gone: replication slot"
                  + " \"lifeboat_gone\" does not exist; it was dropped or never created");
      assertThat(slots.read("lifeboat_gone")).isEmpty();
    }
  }

  @Test
  void aRoleWithoutReplicationIsToldWhatItLacksAndNoSlotAppears() throws SQLException {
    server.cluster().createRole("plainrole", "pw-plain-5521", false);
    PgConnection plain =
        new PgConnection(
            "127.0.0.1", server.cluster().port(), "postgres", "plainrole", "pw-plain-5521");
    try (Connection c = plain.open()) {
      ReplicationSlots slots = new ReplicationSlots(c, "app");

      assertThatThrownBy(() -> slots.createIfMissing("lifeboat_plain"))
          .isInstanceOfSatisfying(
              SlotException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_ALLOWED))
          .hasMessageStartingWith("target app: cannot create replication slot lifeboat_plain: ")
          .hasMessageContaining("replication role")
          .hasMessageEndingWith(
              "; the target's role needs the REPLICATION attribute (ALTER ROLE … REPLICATION)")
          .hasMessageNotContaining("pw-plain");
      assertThat(slots.read("lifeboat_plain")).isEmpty();
    }
  }

  @Test
  void aSlotPastMaxSlotWalKeepSizeIsLostAndAdvancingItSaysSo() throws SQLException {
    setMaxSlotWalKeepSize("2MB");
    try (Connection c = replicator.open()) {
      ReplicationSlots slots = new ReplicationSlots(c, "app");
      slots.createIfMissing("lifeboat_lost");
      Slot fresh = slots.read("lifeboat_lost").orElseThrow();
      assertThat(fresh.safeWalSize())
          .as("a limit: bytes left before the slot is in danger")
          .isNotNull();

      writeWalAndSwitch(6);
      server.cluster().execute("CHECKPOINT");

      Slot lost = slots.read("lifeboat_lost").orElseThrow();
      assertThat(lost.walStatus()).isEqualTo(WalStatus.LOST);
      assertThat(lost.restartLsn()).isNull();
      Lsn now = Lsn.parse(query(c, "SELECT pg_current_wal_flush_lsn()::text"));
      assertThatThrownBy(() -> slots.advance("lifeboat_lost", now))
          .isInstanceOfSatisfying(
              SlotException.class, e -> assertThat(e.reason()).isEqualTo(Reason.LOST))
          .hasMessageStartingWith(
              "target app: cannot advance replication slot lifeboat_lost to " + now + ": ")
          .hasMessageContaining("cannot be advanced")
          .hasMessageEndingWith("drop and recreate it");

      slots.drop("lifeboat_lost");
      assertThat(slots.createIfMissing("lifeboat_lost")).isTrue();
      assertThat(slots.read("lifeboat_lost").orElseThrow().walStatus())
          .isEqualTo(WalStatus.RESERVED);
      slots.drop("lifeboat_lost");
    } finally {
      setMaxSlotWalKeepSize("-1");
    }
  }

  @Test
  void theReceiverLockIsHeldByOneSessionOfTheReplicationRoleAtATime() throws SQLException {
    try (Connection first = replicator.open();
        Connection second = replicator.open()) {
      assertThat(AdvisoryLock.tryLock(first, AdvisoryLock.WAL_RECEIVER)).isTrue();
      assertThat(AdvisoryLock.tryLock(second, AdvisoryLock.WAL_RECEIVER)).isFalse();
      assertThat(AdvisoryLock.tryLock(second, AdvisoryLock.BACKUP))
          .as("another object of the same class is free")
          .isTrue();
      first.close();
      // the server frees it when the holder's backend has exited, a moment after the client
      // closed its socket (CI saw the first try come too early)
      boolean taken = false;
      for (int i = 0; i < 100 && !taken; i++) {
        taken = AdvisoryLock.tryLock(second, AdvisoryLock.WAL_RECEIVER);
        if (!taken) {
          sleep(50);
        }
      }
      assertThat(taken).as("freed with the holder's session").isTrue();
    }
  }

  /** As the superuser (pg_switch_wal is denied to REPLICATION alone): {@code n} segments of WAL. */
  private static void writeWalAndSwitch(int n) {
    for (int i = 0; i < n; i++) {
      server.cluster().execute("INSERT INTO filler VALUES (repeat(md5(random()::text), 100))");
      server.cluster().execute("SELECT pg_switch_wal()");
    }
  }

  /** Sets it for the whole server and waits until new sessions (and the checkpointer) see it. */
  private static void setMaxSlotWalKeepSize(String value) throws SQLException {
    server.cluster().execute("ALTER SYSTEM SET max_slot_wal_keep_size = '" + value + "'");
    server.cluster().execute("SELECT pg_reload_conf()");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Connection c = replicator.open()) {
        if (query(c, "SHOW max_slot_wal_keep_size").equals(value)) {
          return;
        }
      }
      assertThat(System.nanoTime()).as("the server reloaded its settings").isLessThan(deadline);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
