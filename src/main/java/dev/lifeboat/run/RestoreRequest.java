package dev.lifeboat.run;

/**
 * A restore of {@code backup} ({@code latest} or an id; a confirmed plan pins the id it showed) of
 * {@code target} into the database {@code into} on the target's server; the flags say what it may
 * do beyond the default: replace a database with tables ({@code clean}), create the roles the
 * server lacks ({@code createRoles}), among them ones with SUPERUSER, REPLICATION or BYPASSRLS
 * ({@code createPrivilegedRoles}), use a backup no trusted key signed ({@code allowUnsigned}).
 */
public record RestoreRequest(
    String target,
    String backup,
    String into,
    boolean clean,
    boolean createRoles,
    boolean createPrivilegedRoles,
    boolean allowUnsigned)
    implements Request<RestoreResult> {

  public RestoreRequest {
    backup = backup == null ? "latest" : backup;
  }

  /** The same restore of the backup {@code id} (what {@code latest} was when it was planned). */
  public RestoreRequest of(String id) {
    return new RestoreRequest(
        target, id, into, clean, createRoles, createPrivilegedRoles, allowUnsigned);
  }
}
