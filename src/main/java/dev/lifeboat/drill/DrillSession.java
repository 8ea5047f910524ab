package dev.lifeboat.drill;

import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgDatabases;
import dev.lifeboat.run.DrillRequest;
import dev.lifeboat.run.TargetBusyException;
import dev.lifeboat.target.Target;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One drill run from its lock to its report, as the steps hand it on: the drill server's session
 * (which holds the drill lock), the checks so far, the fetched archive and its manifest, who
 * restores. Kept in memory only ({@link DrillSessions}): it holds the restore role's password.
 */
final class DrillSession {

  private final DrillRequest request;
  private final Target target;
  private final String run;
  private final List<DrillCheck> checks = new ArrayList<>();

  private PgDatabases server;
  private String connectError;
  private boolean signed;
  private Manifest manifest;
  private Path archive;
  private String store;
  private RestoreRole.Restorer restorer;
  private Double fetchSeconds;
  private Double pgRestoreSeconds;

  DrillSession(DrillRequest request, Target target, long execution) {
    this.request = request;
    this.target = target;
    this.run = "drill" + execution;
  }

  Target target() {
    return target;
  }

  String targetName() {
    return target.name();
  }

  /** The backup's id: the door recorded what {@code latest} was. */
  String backup() {
    return request.backup();
  }

  boolean keep() {
    return request.keep();
  }

  boolean allowUnsigned() {
    return request.unsigned() == DrillRequest.Unsigned.ALLOWED;
  }

  /** The run id the marks of this drill's databases and roles carry. */
  String run() {
    return run;
  }

  String scratch() {
    return Leftovers.scratchName(backup());
  }

  /** The server drills restore on: {@code drill-url} when set, else the target's own server. */
  PgConnection drillServer() {
    return target.drillServer();
  }

  /** "target 'app' (host:port)": a drill server as the drill's messages name it. */
  String where() {
    PgConnection s = drillServer();
    return "target '" + target.name() + "' (" + s.host() + ":" + s.port() + ")";
  }

  /** The drill server's session that holds the drill lock; null when not held. */
  PgDatabases heldServer() {
    return server;
  }

  void locked(PgDatabases session) {
    this.server = session;
  }

  void unreachable(String error) {
    this.connectError = error;
  }

  String connectError() {
    return connectError;
  }

  /**
   * The locked session, or why there is none: an unreachable drill server has failed the drill; a
   * lock held by another drill is its turn, not this one's.
   */
  PgDatabases server() {
    if (server != null) {
      return server;
    }
    if (connectError != null) {
      throw new DrillException(
          "cannot connect to the drill server of " + where() + ": " + connectError);
    }
    throw new TargetBusyException(
        "another drill is running on the drill server of "
            + where()
            + "; drills run one at a time per server; try again when it has finished");
  }

  List<DrillCheck> checks() {
    return checks;
  }

  void check(DrillCheck check) {
    checks.add(check);
  }

  boolean signed() {
    return signed;
  }

  void signed(boolean value) {
    this.signed = value;
  }

  Manifest manifest() {
    return manifest;
  }

  Path archive() {
    return archive;
  }

  String store() {
    return store;
  }

  void fetched(Manifest manifest, Path archive, String store, double seconds) {
    this.manifest = manifest;
    this.archive = archive;
    this.store = store;
    this.fetchSeconds = seconds;
  }

  RestoreRole.Restorer restorer() {
    return restorer;
  }

  void restorer(RestoreRole.Restorer value) {
    this.restorer = value;
  }

  Double pgRestoreSeconds() {
    return pgRestoreSeconds;
  }

  void restored(double seconds) {
    this.pgRestoreSeconds = seconds;
  }

  /** From the first byte read from a store to the end of pg_restore; null when it never ended. */
  Double restoreSeconds() {
    return pgRestoreSeconds == null ? null : pgRestoreSeconds + fetchSeconds;
  }
}
