//! The Docker Compose files, the Dockerfile and the nginx configuration hold together.
//!
//! CI has no Docker engine to start them, so these tests read them: valid YAML, every
//! service with an image or a build, ports and a health check, the services each file is
//! for, build targets that the Dockerfile defines, and test data that never outlives a run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use yaml_rust2::{Yaml, YamlLoader};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(name: &str) -> Result<String> {
    let path = repo_root().join(name);
    std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
}

/// The one YAML document in `name`.
fn load(name: &str) -> Result<Yaml> {
    let text = read(name)?;
    let mut docs =
        YamlLoader::load_from_str(&text).with_context(|| format!("{name} is not valid YAML"))?;
    ensure!(
        docs.len() == 1,
        "{name}: expected one YAML document, found {}",
        docs.len()
    );
    Ok(docs.remove(0))
}

/// `node[key]`, if there is one.
fn get<'a>(node: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    let value = &node[key];
    (!value.is_badvalue() && !value.is_null()).then_some(value)
}

/// The services of a compose file, by name, after checking what every service needs.
fn services<'a>(file: &str, doc: &'a Yaml) -> Result<Vec<(String, &'a Yaml)>> {
    let Some(hash) = get(doc, "services").and_then(Yaml::as_hash) else {
        bail!("{file}: no `services` mapping");
    };
    ensure!(!hash.is_empty(), "{file}: `services` is empty");
    let mut out = Vec::new();
    for (key, service) in hash {
        let Some(name) = key.as_str() else {
            bail!("{file}: a service name is not a string: {key:?}");
        };
        ensure!(
            get(service, "image").is_some() || get(service, "build").is_some(),
            "{file}: service `{name}` has neither `image` nor `build`"
        );
        let ports = get(service, "ports").and_then(Yaml::as_vec);
        ensure!(
            ports.is_some_and(|p| !p.is_empty()),
            "{file}: service `{name}` has no `ports`"
        );
        let Some(healthcheck) = get(service, "healthcheck") else {
            bail!("{file}: service `{name}` has no `healthcheck`");
        };
        let test_ok = match get(healthcheck, "test") {
            Some(Yaml::String(s)) => !s.trim().is_empty(),
            Some(Yaml::Array(a)) => !a.is_empty(),
            _ => false,
        };
        ensure!(test_ok, "{file}: the healthcheck of `{name}` has no `test`");
        out.push((name.to_owned(), service));
    }
    Ok(out)
}

fn names(services: &[(String, &Yaml)]) -> BTreeSet<String> {
    services.iter().map(|(name, _)| name.clone()).collect()
}

fn require(file: &str, have: &BTreeSet<String>, wanted: &[&str]) -> Result<()> {
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| !have.contains(*w))
        .collect();
    ensure!(
        missing.is_empty(),
        "{file}: missing services {missing:?} (has {have:?})"
    );
    Ok(())
}

/// Every `depends_on` names a service of the file; a `service_healthy` condition names one
/// with a health check (which every service has, see `services`).
fn check_depends_on(file: &str, services: &[(String, &Yaml)]) -> Result<()> {
    let all = names(services);
    for (name, service) in services {
        let deps: Vec<&Yaml> = match get(service, "depends_on") {
            None => Vec::new(),
            Some(Yaml::Array(list)) => list.iter().collect(),
            Some(Yaml::Hash(map)) => map.keys().collect(),
            Some(other) => bail!("{file}: `{name}`.depends_on is neither list nor map: {other:?}"),
        };
        for dep in deps {
            let Some(dep) = dep.as_str() else {
                bail!("{file}: `{name}` depends on a non-string: {dep:?}");
            };
            ensure!(
                all.contains(dep),
                "{file}: `{name}` depends on unknown service `{dep}`"
            );
        }
    }
    Ok(())
}

/// The short-syntax volume entries of every service (long-syntax ones as their `source`).
fn volume_sources(service: &Yaml) -> Vec<(&str, Option<&str>)> {
    get(service, "volumes")
        .and_then(Yaml::as_vec)
        .map(|list| {
            list.iter()
                .map(|v| match v {
                    Yaml::String(s) => (s.split(':').next().unwrap_or(""), None),
                    other => (
                        get(other, "source").and_then(Yaml::as_str).unwrap_or(""),
                        get(other, "type").and_then(Yaml::as_str),
                    ),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_bind_path(source: &str) -> bool {
    source.starts_with('.') || source.starts_with('/') || source.starts_with('~')
}

#[test]
fn dev_compose_runs_the_dependencies() -> Result<()> {
    let file = "docker-compose.dev.yml";
    let doc = load(file)?;
    let services = services(file, &doc)?;
    require(file, &names(&services), &["postgres", "nats", "minio"])?;
    check_depends_on(file, &services)
}

#[test]
fn test_compose_runs_the_dependencies_with_fresh_data() -> Result<()> {
    let file = "docker-compose.test.yml";
    let doc = load(file)?;
    let services = services(file, &doc)?;
    require(file, &names(&services), &["postgres", "nats", "minio"])?;
    check_depends_on(file, &services)?;

    let top_volumes = get(&doc, "volumes").and_then(Yaml::as_hash);
    ensure!(
        top_volumes.is_none_or(|v| v.is_empty()),
        "{file}: declares named volumes; test data must not outlive a run (use tmpfs)"
    );
    for (name, service) in &services {
        for (source, kind) in volume_sources(service) {
            ensure!(
                kind != Some("volume") && (source.is_empty() || is_bind_path(source)),
                "{file}: `{name}` mounts the named volume `{source}`; use tmpfs"
            );
        }
    }
    Ok(())
}

#[test]
fn prod_compose_runs_the_whole_stack() -> Result<()> {
    let file = "docker-compose.yml";
    let doc = load(file)?;
    let services = services(file, &doc)?;
    require(
        file,
        &names(&services),
        &[
            "api", "auth-gw", "web-sm", "tui-sm", "postgres", "nats", "minio", "nginx",
        ],
    )?;
    check_depends_on(file, &services)?;

    // The api keeps files in MinIO's bucket.
    let api = services
        .iter()
        .find(|(name, _)| name == "api")
        .map(|(_, service)| *service)
        .context("no api service")?;
    let env = get(api, "environment").context("the api has no environment")?;
    let value = |key: &str| get(env, key).and_then(Yaml::as_str).unwrap_or_default();
    ensure!(
        value("AJET_FILES") == "s3",
        "{file}: the api does not use the S3 store"
    );
    ensure!(
        value("AJET_S3_ENDPOINT").starts_with("http://minio:"),
        "{file}: the api's S3 endpoint is not the minio service"
    );

    // Files mounted from the repository exist (deploy/nginx.conf, deploy/certs/).
    for (name, service) in &services {
        for (source, _) in volume_sources(service) {
            if source.starts_with("./") {
                let path = repo_root().join(source);
                ensure!(
                    path.exists(),
                    "{file}: `{name}` mounts {source}, which does not exist"
                );
            }
        }
    }
    Ok(())
}

#[test]
fn prod_builds_use_dockerfile_targets() -> Result<()> {
    let file = "docker-compose.yml";
    let doc = load(file)?;
    let dockerfile = read("Dockerfile")?;
    let targets: BTreeSet<String> = dockerfile
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [from, _, as_, target]
                    if from.eq_ignore_ascii_case("FROM") && as_.eq_ignore_ascii_case("AS") =>
                {
                    Some((*target).to_owned())
                }
                _ => None,
            }
        })
        .collect();
    for wanted in ["api", "auth-gw", "web-sm", "tui-sm", "cli"] {
        ensure!(
            targets.contains(wanted),
            "Dockerfile has no `{wanted}` target (has {targets:?})"
        );
    }

    let mut built = 0;
    for (name, service) in services(file, &doc)? {
        let Some(build) = get(service, "build") else {
            continue;
        };
        built += 1;
        let target = get(build, "target").and_then(Yaml::as_str);
        let Some(target) = target else {
            bail!("{file}: `{name}` builds no Dockerfile target");
        };
        ensure!(
            targets.contains(target),
            "{file}: `{name}` builds target `{target}`, not in the Dockerfile"
        );
    }
    ensure!(
        built >= 4,
        "{file}: expected the four services to be built here, found {built}"
    );
    Ok(())
}

#[test]
fn nginx_proxies_to_the_gateway_without_buffering() -> Result<()> {
    let conf = read("deploy/nginx.conf")?;
    for needle in [
        "auth-gw:8080",
        "proxy_pass",
        "proxy_http_version 1.1",
        "proxy_buffering off",
        "proxy_read_timeout 1h",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "listen 443 ssl",
    ] {
        ensure!(conf.contains(needle), "deploy/nginx.conf lacks `{needle}`");
    }
    Ok(())
}
