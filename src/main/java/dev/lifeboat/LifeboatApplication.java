package dev.lifeboat;

import dev.lifeboat.cli.Launcher;

/**
 * Lifeboat: unattended PostgreSQL backups, restore drills and safe migrations. The main class only:
 * the command line is {@link Launcher}, the Spring application it starts is {@code
 * cli.FullApplication}.
 */
final class LifeboatApplication {

  private LifeboatApplication() {}

  public static void main(String[] args) {
    System.exit(Launcher.run(args));
  }
}
