package dev.lifeboat.pg;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The connection arguments and environment every client program ({@code pg_dump}, {@code
 * pg_restore}, {@code psql}) gets: never a password in either, never a prompt.
 */
final class PgClientCommand {

  private PgClientCommand() {}

  /** A started client program and the pgpass file it reads (null without a password). */
  record Started(ProcessRunner.RunningProcess process, PgPassFile passFile) {}

  /**
   * Starts {@code command} with {@code conn}'s password in a fresh pgpass file and its stdin
   * closed; when it cannot start, nothing is left behind (no process, no pgpass file).
   */
  static Started start(ProcessRunner runner, String tool, List<String> command, PgConnection conn) {
    PgPassFile passFile = conn.password() == null ? null : PgPassFile.create(conn);
    ProcessRunner.RunningProcess process = null;
    try {
      process = runner.start(command, environment(passFile, conn), null);
      process.stdin().close();
      return new Started(process, passFile);
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        process.destroy();
      }
      if (passFile != null) {
        passFile.close();
      }
      throw e instanceof RuntimeException re
          ? re
          : new PgToolException(tool, PgToolException.NOT_STARTED, e.toString());
    }
  }

  /** {@code --no-password --host … --port … --username … --dbname …}. */
  static List<String> connectionArgs(PgConnection conn) {
    List<String> args = serverArgs(conn);
    args.add("--dbname=" + dbnameArg(conn.database()));
    return args;
  }

  /**
   * {@code --no-password --host … --port … --username … --dbname=application_name='…'}: a
   * replication connection has no database, the connection string carries only the name its
   * walsender shows.
   */
  static List<String> replicationArgs(PgConnection conn, String applicationName) {
    List<String> args = serverArgs(conn);
    args.add("--dbname=application_name='" + conninfoQuote(applicationName) + "'");
    return args;
  }

  private static List<String> serverArgs(PgConnection conn) {
    List<String> args = new ArrayList<>();
    args.add("--no-password");
    args.add("--host=" + conn.host());
    args.add("--port=" + conn.port());
    args.add("--username=" + conn.user());
    return args;
  }

  // a --dbname with '=' or a URI prefix is read as a connection string; quote such names as one
  static String dbnameArg(String database) {
    if (database.contains("=")
        || database.startsWith("postgresql://")
        || database.startsWith("postgres://")) {
      return "dbname='" + conninfoQuote(database) + "'";
    }
    return database;
  }

  private static String conninfoQuote(String value) {
    return value.replace("\\", "\\\\").replace("'", "\\'");
  }

  /**
   * A new command line that starts with {@code setpriv --pdeathsig <signal> --} when there is a
   * {@code setpriv}: the kernel signals the program when the thread that started it goes (a JVM
   * killed with -9 leaves no orphan), so start it from a thread that lives as long as the run.
   */
  static List<String> dyingWithParent(Path setpriv, String signal) {
    List<String> command = new ArrayList<>();
    if (setpriv != null) {
      command.addAll(List.of(setpriv.toString(), "--pdeathsig", signal, "--"));
    }
    return command;
  }

  /** {@code program} in the first directory of {@code pathEnv} that holds it as an executable. */
  static Optional<Path> onPath(String program, String pathEnv) {
    if (pathEnv == null) {
      return Optional.empty();
    }
    for (String dir : pathEnv.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The environment: our pgpass file (if any), English messages, a connect timeout. */
  static Map<String, String> environment(PgPassFile passFile, PgConnection conn) {
    Map<String, String> env = environment(passFile);
    env.putAll(conn.libpqEnvironment());
    return env;
  }

  static Map<String, String> environment(PgPassFile passFile) {
    Map<String, String> env = new HashMap<>();
    if (passFile != null) {
      env.putAll(passFile.environment());
    } else {
      env.put("PGPASSWORD", null);
    }
    env.put("PGCONNECT_TIMEOUT", String.valueOf(PgConnection.CONNECT_TIMEOUT_SECONDS));
    env.put("PGAPPNAME", "lifeboat");
    // stderr is parsed for messages: keep it in English whatever the operator's locale
    env.put("LC_MESSAGES", "C");
    env.put("LC_ALL", null);
    env.put("LANGUAGE", null);
    return env;
  }

  /** Replaces the password wherever a program echoed it, before its stderr is shown anywhere. */
  static String redact(String text, PgConnection conn) {
    String pw = conn.password();
    if (text == null || pw == null || pw.length() < 3) {
      return text;
    }
    return text.replace(pw, "***");
  }
}
