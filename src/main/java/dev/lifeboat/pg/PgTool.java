package dev.lifeboat.pg;

import java.nio.file.Path;

/** One PostgreSQL program found on this machine, with the version it reports. */
public record PgTool(String name, Path path, String version, int major) {

  @Override
  public String toString() {
    return name + " " + version + " at " + path;
  }
}
