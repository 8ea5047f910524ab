package dev.lifeboat.run;

/**
 * Run chunked data migration {@code name} (its spec's file name) on {@code target}, or continue it
 * after its last committed chunk; {@code resume} continues a paused one too.
 */
public record DataMigrateRequest(String target, String name, boolean resume)
    implements Request<DataMigrationResult> {

  /** The same request on {@code target}, the name the spec's target resolved to. */
  public DataMigrateRequest on(String target) {
    return new DataMigrateRequest(target, name, resume);
  }
}
