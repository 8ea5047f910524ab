# Lifeboat: built with the Maven wrapper, run on a JRE with the PostgreSQL client tools of several
# majors (pg_dump must be at least the server's major; Lifeboat picks the right one per server).
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -q -B -ntp dependency:go-offline
COPY src src
RUN ./mvnw -q -B -ntp package -DskipTests -Dspotless.check.skip=true

FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && . /etc/os-release \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 postgresql-client-16 postgresql-client-17 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/lifeboat lifeboat \
 && install -d -o lifeboat -g lifeboat /var/lib/lifeboat
COPY --from=build /src/target/lifeboat.jar /opt/lifeboat/lifeboat.jar
COPY jobs /opt/lifeboat/jobs
WORKDIR /opt/lifeboat
USER lifeboat
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/lifeboat/lifeboat.jar"]
CMD ["serve", "--config", "/etc/lifeboat/lifeboat.yml"]
