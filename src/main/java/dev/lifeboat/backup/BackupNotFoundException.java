package dev.lifeboat.backup;

/** The backup a user named does not exist (complete) in any store: a usage error, exit 2. */
public class BackupNotFoundException extends RuntimeException {

  public BackupNotFoundException(String message) {
    super(message);
  }
}
