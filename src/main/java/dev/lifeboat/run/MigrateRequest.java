package dev.lifeboat.run;

/**
 * An apply of the pending migrations of {@code target}; {@code safe} wraps it in verified pre- and
 * post-migration backups and post-checks, {@code restoreOnFailure} (with {@code safe}) restores the
 * pre-migration backup when it fails. A dry run is no run: it rehearses on a scratch copy.
 */
public record MigrateRequest(String target, boolean safe, boolean restoreOnFailure)
    implements Request<MigrateResult> {}
