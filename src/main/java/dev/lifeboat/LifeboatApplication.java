package dev.lifeboat;

import dev.lifeboat.cli.Launcher;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Lifeboat: unattended PostgreSQL backups, restore drills and safe migrations. */
@SpringBootApplication
public class LifeboatApplication {

  public static void main(String[] args) {
    System.exit(Launcher.run(args));
  }
}
