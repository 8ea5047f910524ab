package dev.lifeboat.archive;

/** The spool directory cannot take the archive (too small, not writable, disk full). */
final class SpoolException extends ArchiveException {

  SpoolException(String message) {
    super(message);
  }

  SpoolException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean spool() {
    return true;
  }
}
