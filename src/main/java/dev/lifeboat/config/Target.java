package dev.lifeboat.config;

import dev.lifeboat.pg.PgConnection;
import java.util.List;

/** A validated target: the database to protect and the names of the stores its backups go to. */
public record Target(String name, PgConnection connection, List<String> stores, String drillUrl) {}
