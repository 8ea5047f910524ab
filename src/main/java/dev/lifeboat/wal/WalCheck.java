package dev.lifeboat.wal;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.ReplicationConnection;
import dev.lifeboat.pg.ReplicationConnection.Identity;
import dev.lifeboat.pg.ReplicationSlots;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.progress.TerminalProgress;
import dev.lifeboat.run.CheckStatus;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The doctor's view of what WAL archiving needs from each target with {@code wal.enabled} (plan
 * §5.5): wal_level, a free WAL sender, a role with REPLICATION that can open a replication
 * connection, a primary, the slot and its wal_status, and max_slot_wal_keep_size. Each line says
 * what to do. Targets without {@code wal.enabled} get no line at all.
 */
@Component
@Order(6)
final class WalCheck extends DoctorCheck {

  /** Bounds on one connection, well inside the doctor's deadline (as the targets' check). */
  static final int LOGIN_TIMEOUT_SECONDS = 6;

  static final int SOCKET_TIMEOUT_SECONDS = 8;

  private static final String SETTINGS =
      "SELECT current_setting('wal_level'), current_setting('max_wal_senders')::int,"
          + " (SELECT count(*) FROM pg_stat_replication)::int,"
          + " current_setting('max_replication_slots')::int,"
          + " (SELECT count(*) FROM pg_replication_slots)::int,"
          + " current_setting('max_slot_wal_keep_size'), r.rolreplication, r.rolsuper,"
          + " pg_is_in_recovery() FROM pg_roles r WHERE r.rolname = current_user";

  private final LifeboatConfig config;
  private final Targets targets;

  WalCheck(LifeboatConfig config, Targets targets) {
    super("wal");
    this.config = config;
    this.targets = targets;
  }

  @Override
  public List<Probe> probes() {
    List<Probe> probes = new ArrayList<>();
    for (Map.Entry<String, TargetProperties> e :
        new TreeMap<>(config.properties().targets()).entrySet()) {
      if (e.getValue().wal() == null || !e.getValue().wal().enabled()) {
        continue;
      }
      String slot = e.getValue().wal().slotName(e.getKey());
      probes.add(
          Probe.ofTarget(
              "target " + e.getKey() + " wal",
              targets,
              e.getKey(),
              (label, target) -> check(label, target, slot)));
    }
    return probes;
  }

  /** Reads the server as the target's role, then opens a replication connection as it. */
  static List<Finding> check(String label, Target target, String slot) {
    PgConnection server = bounded(target.connection());
    Server seen;
    try (Connection c = server.open()) {
      seen = Server.read(c, new ReplicationSlots(c, target.name()), slot);
    } catch (SQLException e) {
      return List.of(
          Finding.fail(
              label,
              "cannot connect: "
                  + PgErrors.firstLine(e.getMessage())
                  + "; the WAL checks need the server"));
    } catch (ReplicationSlots.SlotException e) {
      return List.of(Finding.fail(label + " slot", e.getMessage()));
    }
    Replication replication;
    try (ReplicationConnection rc = ReplicationConnection.open(server, target.name())) {
      replication = new Replication(rc.identifySystem(), null);
    } catch (ReplicationConnection.ReplicationException e) {
      replication = new Replication(null, e.getMessage());
    }
    return findings(label, target.name(), server.user(), slot, seen, replication);
  }

  /** The target's connection with the doctor's timeouts. */
  static PgConnection bounded(PgConnection pg) {
    Map<String, String> params = new HashMap<>(pg.params());
    params.put("loginTimeout", String.valueOf(LOGIN_TIMEOUT_SECONDS));
    params.put("socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS));
    return new PgConnection(pg.host(), pg.port(), pg.database(), pg.user(), pg.password(), params);
  }

  /** What the findings are made of, read in one query and one slot read. */
  record Server(
      String walLevel,
      int maxWalSenders,
      int sendersInUse,
      int maxReplicationSlots,
      int slotsInUse,
      String maxSlotWalKeepSize,
      boolean replicationRole,
      boolean superuser,
      boolean inRecovery,
      Optional<Slot> slot) {

    static Server read(Connection c, ReplicationSlots slots, String slot) throws SQLException {
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(SETTINGS)) {
        rs.next();
        return new Server(
            rs.getString(1),
            rs.getInt(2),
            rs.getInt(3),
            rs.getInt(4),
            rs.getInt(5),
            rs.getString(6),
            rs.getBoolean(7),
            rs.getBoolean(8),
            rs.getBoolean(9),
            slots.read(slot));
      }
    }

    boolean mayReplicate() {
      return replicationRole || superuser;
    }
  }

  /** How the replication connection went: the server's identity, or the refusal's sentence. */
  record Replication(Identity identity, String refusal) {}

  /** The lines of one target, from what was read: no server needed. */
  static List<Finding> findings(
      String label, String target, String role, String slot, Server s, Replication r) {
    List<Finding> findings = new ArrayList<>();
    findings.add(walLevel(label, s));
    findings.add(senders(label, s));
    findings.add(role(label, role, s));
    findings.add(
        r.refusal() == null
            ? Finding.ok(
                label + " connection",
                "a replication connection opens: system "
                    + r.identity().systemIdentifier()
                    + ", timeline "
                    + r.identity().timeline()
                    + ", WAL written up to "
                    + r.identity().xlogpos())
            : Finding.fail(label + " connection", r.refusal()));
    findings.add(
        s.inRecovery()
            ? Finding.fail(
                label + " primary",
                "the server is a standby (in recovery); archive the WAL of the primary: point"
                    + " lifeboat.targets."
                    + target
                    + ".url at it")
            : Finding.ok(label + " primary", "the server is a primary"));
    findings.add(slot(label, target, role, slot, s));
    findings.add(keepSize(label, s));
    return findings;
  }

  private static Finding walLevel(String label, Server s) {
    String name = label + " level";
    if ("replica".equals(s.walLevel()) || "logical".equals(s.walLevel())) {
      return Finding.ok(name, "wal_level " + s.walLevel());
    }
    return Finding.fail(
        name,
        "wal_level "
            + s.walLevel()
            + ": the server writes too little WAL to archive; ALTER SYSTEM SET wal_level ="
            + " replica, then restart the server");
  }

  private static Finding senders(String label, Server s) {
    String name = label + " senders";
    int free = s.maxWalSenders() - s.sendersInUse();
    String seen = "max_wal_senders " + s.maxWalSenders() + ", " + s.sendersInUse() + " in use";
    if (s.maxWalSenders() == 0) {
      return Finding.fail(
          name,
          "max_wal_senders 0: the server allows no replication connection; ALTER SYSTEM SET"
              + " max_wal_senders = 10, then restart the server");
    }
    // Lifeboat streams nothing yet, so none of those in use is its own receiver
    if (free <= 0) {
      return Finding.fail(
          name,
          seen
              + ": none free, the WAL receiver cannot connect; raise max_wal_senders (ALTER"
              + " SYSTEM SET max_wal_senders = "
              + (s.maxWalSenders() + 2)
              + ", then restart the server)");
    }
    if (free == 1) {
      return Finding.warn(
          name,
          seen
              + ": 1 free, and the WAL receiver and a base backup need one each; raise"
              + " max_wal_senders (ALTER SYSTEM SET max_wal_senders = "
              + (s.maxWalSenders() + 1)
              + ", then restart the server)");
    }
    return Finding.ok(name, seen + ": " + free + " free");
  }

  private static Finding role(String label, String role, Server s) {
    String name = label + " role";
    if (s.superuser()) {
      return Finding.ok(name, "role " + role + " is a superuser");
    }
    if (s.replicationRole()) {
      return Finding.ok(name, "role " + role + " has REPLICATION");
    }
    return Finding.fail(
        name,
        "role "
            + role
            + " lacks REPLICATION: it can neither stream WAL nor create the slot; ALTER ROLE "
            + role
            + " REPLICATION");
  }

  private static Finding slot(String label, String target, String role, String slot, Server s) {
    String name = label + " slot";
    if (s.slot().isEmpty()) {
      List<String> blocks = new ArrayList<>();
      if (!s.mayReplicate()) {
        blocks.add("role " + role + " lacks REPLICATION (ALTER ROLE " + role + " REPLICATION)");
      }
      if (s.slotsInUse() >= s.maxReplicationSlots()) {
        blocks.add(
            "all "
                + s.maxReplicationSlots()
                + " replication slots (max_replication_slots) are taken (raise it, then restart"
                + " the server)");
      }
      if (!blocks.isEmpty()) {
        return Finding.fail(
            name,
            "slot "
                + slot
                + " does not exist and the WAL receiver cannot create it: "
                + String.join("; ", blocks));
      }
      return Finding.warn(
          name,
          "slot "
              + slot
              + " does not exist yet; the WAL receiver creates it when it starts (role "
              + role
              + " may: "
              + (s.maxReplicationSlots() - s.slotsInUse())
              + " of max_replication_slots "
              + s.maxReplicationSlots()
              + " free)");
    }
    Slot found = s.slot().get();
    String drop = "SELECT pg_drop_replication_slot('" + slot + "')";
    String retains =
        found.retainedBytes() == null
            ? ""
            : ", retains "
                + TerminalProgress.bytes(found.retainedBytes())
                + " of WAL since "
                + found.restartLsn();
    String seen = "slot " + slot + " " + found.walStatus().word() + retains;
    Finding byStatus =
        switch (found.walStatus()) {
          case RESERVED, EXTENDED -> Finding.ok(name, seen);
          case UNRESERVED ->
              Finding.warn(
                  name,
                  seen
                      + ": beyond max_slot_wal_keep_size, the server removes that WAL at its next"
                      + " checkpoint and the slot is lost; get what holds it back moving (see"
                      + " docs/runbook.md#replicationslotretainingwal) or raise"
                      + " max_slot_wal_keep_size");
          case LOST ->
              Finding.fail(
                  name,
                  seen
                      + ": the server removed WAL the slot held and the slot cannot be used again;"
                      + " drop it ("
                      + drop
                      + ") so that a new one is created");
          case NONE ->
              Finding.warn(
                  name,
                  seen
                      + ": it holds no WAL (created without reserving any); drop it ("
                      + drop
                      + ") so that it is created reserving WAL");
        };
    if (found.active() && byStatus.status() != CheckStatus.FAIL) {
      return Finding.warn(
          name,
          seen
              + "; a client streams from it now, and Lifeboat moves this slot itself and cannot"
              + " while a client holds it: stop that client, or give Lifeboat a slot of its own"
              + " (lifeboat.targets."
              + target
              + ".wal.slot)");
    }
    return byStatus;
  }

  private static Finding keepSize(String label, Server s) {
    String name = label + " keep size";
    if ("-1".equals(s.maxSlotWalKeepSize())) {
      return Finding.warn(
          name,
          "max_slot_wal_keep_size -1 (unlimited): a slot nobody moves keeps WAL until the"
              + " server's disk is full; cap it at what pg_wal's disk can spare: ALTER SYSTEM SET"
              + " max_slot_wal_keep_size = '50GB'; SELECT pg_reload_conf();");
    }
    Long safe = s.slot().map(Slot::safeWalSize).orElse(null);
    return Finding.ok(
        name,
        "max_slot_wal_keep_size "
            + s.maxSlotWalKeepSize()
            + (safe == null
                ? ""
                : ": "
                    + TerminalProgress.bytes(Math.max(0, safe))
                    + " more before the slot is lost"));
  }
}
