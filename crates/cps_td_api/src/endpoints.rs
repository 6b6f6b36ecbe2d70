//! Every host and path cps calls, in one table, with the evidence behind each. TD documents only
//! the create call and three CAS hosts (`../shared/spec/td-cas.md` §4.1); everything else here is
//! marked as an assumption, so a correction is a one-line change in this file.

/// How sure we are of a host or path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// In TD's product documentation.
    Documented,
    /// Only in TD's public agent skills or client libraries.
    Skill,
    /// No source: our assumption, following REST conventions and tdx's behaviour.
    Assumed,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::Skill => "TD skill / client library",
            Evidence::Assumed => "assumption",
        }
    }
}

/// A TD region: its CAS host (parent segments), its `api` host (zero-copy configs) and its
/// console (links to the created segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Stable id used on the command line, in the page and in the proxy's paths.
    pub id: &'static str,
    pub label: &'static str,
    /// `None` where no source names a CAS host: uploads there need a custom base URL.
    pub cas: Option<&'static str>,
    pub cas_evidence: Evidence,
    pub api: &'static str,
    pub api_evidence: Evidence,
    pub console: &'static str,
    pub console_evidence: Evidence,
}

/// The regions. Hosts from spec §4.1 (CAS: the docs' hosts, preferred over the skill's
/// `api-cas.us01`/`jp01`), §2.2 (`api`) and §1 step 6 (console).
pub const REGIONS: &[Region] = &[
    Region {
        id: "us",
        label: "US",
        cas: Some("https://api-cas.treasuredata.com"),
        cas_evidence: Evidence::Documented,
        api: "https://api.treasuredata.com",
        api_evidence: Evidence::Documented,
        console: "https://console.treasuredata.com",
        console_evidence: Evidence::Skill,
    },
    Region {
        id: "tokyo",
        label: "Tokyo",
        cas: Some("https://api-cas.treasuredata.co.jp"),
        cas_evidence: Evidence::Documented,
        api: "https://api.treasuredata.co.jp",
        api_evidence: Evidence::Documented,
        // The skill's host; TD's Tokyo console is usually on .co.jp (spec §8 question 10).
        console: "https://console-jp01.treasuredata.com",
        console_evidence: Evidence::Skill,
    },
    Region {
        id: "eu01",
        label: "EU01",
        cas: Some("https://api-cas.eu01.treasuredata.com"),
        cas_evidence: Evidence::Documented,
        api: "https://api.eu01.treasuredata.com",
        api_evidence: Evidence::Documented,
        console: "https://console-eu01.treasuredata.com",
        console_evidence: Evidence::Skill,
    },
    Region {
        id: "ap02",
        label: "AP02 (Korea)",
        cas: None,
        cas_evidence: Evidence::Assumed,
        api: "https://api.ap02.treasuredata.com",
        api_evidence: Evidence::Documented,
        console: "https://console.ap02.treasuredata.com",
        console_evidence: Evidence::Assumed,
    },
    Region {
        id: "ap03",
        label: "AP03 (Japan, AWS Tokyo)",
        cas: None,
        cas_evidence: Evidence::Assumed,
        api: "https://api.ap03.treasuredata.com",
        api_evidence: Evidence::Assumed,
        console: "https://console.ap03.treasuredata.com",
        console_evidence: Evidence::Assumed,
    },
];

/// The region a page or CLI uses when the user has not chosen one.
pub const DEFAULT_REGION: &str = "us";

pub fn region(id: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Which host a call goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Cas,
    Api,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Cas => "cas",
            Service::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        match s {
            "cas" => Some(Service::Cas),
            "api" => Some(Service::Api),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }

    /// Safe to repeat: the same request twice has the effect of once. Only these are retried
    /// blindly; a create (POST) never is.
    pub fn idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put)
    }
}

/// The calls cps makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    CreateSegment,
    ListSegments,
    ShowSegment,
    UpdateSegment,
    ListZeroCopyConfigs,
}

pub struct Endpoint {
    pub call: Call,
    pub service: Service,
    pub method: Method,
    /// `{id}` is replaced by the segment id.
    pub path: &'static str,
    pub evidence: Evidence,
    pub note: &'static str,
}

/// The paths. Only the create is in TD's docs (S6); the list is named by TD's skill (S10); show
/// and update are assumptions: REST conventions on the documented collection, and tdx's
/// create-or-update by name with full replacement (S11).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        call: Call::CreateSegment,
        service: Service::Cas,
        method: Method::Post,
        path: "/composable_audiences",
        evidence: Evidence::Documented,
        note: "returns the created parent segment with its id (S6)",
    },
    Endpoint {
        call: Call::ListSegments,
        service: Service::Cas,
        method: Method::Get,
        path: "/composable_audiences",
        evidence: Evidence::Skill,
        note: "used to find a segment by name (S10); response shape undocumented: an array, or an object holding one",
    },
    Endpoint {
        call: Call::ShowSegment,
        service: Service::Cas,
        method: Method::Get,
        path: "/composable_audiences/{id}",
        evidence: Evidence::Assumed,
        note: "read when the list gives summaries without attributes and behaviors",
    },
    Endpoint {
        call: Call::UpdateSegment,
        service: Service::Cas,
        method: Method::Put,
        path: "/composable_audiences/{id}",
        evidence: Evidence::Assumed,
        note: "full replacement of attributes and behaviors, as tdx does (S11)",
    },
    Endpoint {
        call: Call::ListZeroCopyConfigs,
        service: Service::Api,
        method: Method::Get,
        path: "/v4/federated_query_configs",
        evidence: Evidence::Skill,
        note: "zero-copy (federated query) configs; use `id`, not `connection_id` (S10, S15)",
    },
];

pub fn endpoint(call: Call) -> &'static Endpoint {
    ENDPOINTS
        .iter()
        .find(|e| e.call == call)
        .expect("every Call has a row in ENDPOINTS")
}

/// Where the calls go: a region's hosts, a custom base (one URL for both services: a gateway, a
/// proxy or the test server), or `cps serve`'s proxy (same-origin paths `/td/<region>/<service>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Region(&'static Region),
    Custom(String),
    Proxy {
        /// The proxy's own URL prefix, e.g. `/td` (the page) or `http://127.0.0.1:8080/td`.
        prefix: String,
        region: String,
    },
}

/// A header the proxy requires on every forwarded call. A cross-origin page cannot add a custom
/// header without a CORS preflight, which the proxy never answers: this stops other sites from
/// using the proxy through the user's browser.
pub const PROXY_HEADER: (&str, &str) = ("X-Cps-Proxy", "1");

impl Target {
    /// The base URL of a service, or why there is none.
    pub fn base(&self, service: Service) -> Result<String, String> {
        match self {
            Target::Region(r) => match service {
                Service::Api => Ok(r.api.to_string()),
                Service::Cas => r.cas.map(str::to_string).ok_or_else(|| {
                    format!(
                        "No CAS host is documented for {}: choose a custom base URL (for example one TD support gave you).",
                        r.label
                    )
                }),
            },
            Target::Custom(url) => Ok(url.trim_end_matches('/').to_string()),
            Target::Proxy { prefix, region } => Ok(format!(
                "{}/{}/{}",
                prefix.trim_end_matches('/'),
                region,
                service.as_str()
            )),
        }
    }

    pub fn url(&self, call: Call, id: Option<&str>) -> Result<String, String> {
        let e = endpoint(call);
        let path = match id {
            Some(id) => e.path.replace("{id}", &encode_segment(id)),
            None => e.path.to_string(),
        };
        Ok(format!("{}{}", self.base(e.service)?, path))
    }

    /// Where a command copied to a terminal (the dry run's curl) should go: TD's own host for
    /// the region, not `cps serve`'s proxy. The proxy exists only because browsers enforce CORS;
    /// a terminal does not, and a command aimed at TD keeps working after `cps serve` stops, on
    /// another machine, or in CI. Only the proxy's custom endpoint (`cps serve --td-endpoint`)
    /// is known to the proxy alone: that command goes through the proxy (with its header).
    pub fn for_terminal(&self) -> Target {
        match self {
            Target::Proxy { region, .. } => {
                self::region(region).map_or_else(|| self.clone(), Target::Region)
            }
            other => other.clone(),
        }
    }

    /// The console page of a created segment, when the region is known.
    pub fn console_link(&self, id: &str) -> Option<String> {
        let region = match self {
            Target::Region(r) => Some(*r),
            Target::Proxy { region, .. } => self::region(region),
            Target::Custom(_) => None,
        }?;
        Some(format!(
            "{}/app/audiences/ps/{}",
            region.console,
            encode_segment(id)
        ))
    }
}

/// Percent-encodes a path segment (ids come from the server; never trust them into a path).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The host table as Markdown, for the docs (README and the page's help).
pub fn table_markdown() -> String {
    let mut s = String::from(
        "| Region | CAS host (segments) | API host (zero-copy configs) | Console |\n|---|---|---|---|\n",
    );
    for r in REGIONS {
        s.push_str(&format!(
            "| {} (`{}`) | {} | {} ({}) | {} ({}) |\n",
            r.label,
            r.id,
            r.cas
                .map(|c| format!("{c} ({})", r.cas_evidence.as_str()))
                .unwrap_or_else(|| "none documented: use a custom base URL".into()),
            r.api,
            r.api_evidence.as_str(),
            r.console,
            r.console_evidence.as_str()
        ));
    }
    s.push_str("\n| Call | Method and path | Evidence | Note |\n|---|---|---|---|\n");
    for e in ENDPOINTS {
        s.push_str(&format!(
            "| {:?} | `{} {}` on the {} host | {} | {} |\n",
            e.call,
            e.method.as_str(),
            e.path,
            e.service.as_str(),
            e.evidence.as_str(),
            e.note
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_per_target() {
        let us = Target::Region(region("US").unwrap());
        assert_eq!(
            us.url(Call::CreateSegment, None).unwrap(),
            "https://api-cas.treasuredata.com/composable_audiences"
        );
        assert_eq!(
            us.url(Call::ListZeroCopyConfigs, None).unwrap(),
            "https://api.treasuredata.com/v4/federated_query_configs"
        );
        assert_eq!(
            us.url(Call::UpdateSegment, Some("12/3")).unwrap(),
            "https://api-cas.treasuredata.com/composable_audiences/12%2F3"
        );
        let ap02 = Target::Region(region("ap02").unwrap());
        assert!(ap02.url(Call::CreateSegment, None).is_err());
        assert!(ap02.url(Call::ListZeroCopyConfigs, None).is_ok());
        let proxy = Target::Proxy {
            prefix: "/td/".into(),
            region: "eu01".into(),
        };
        assert_eq!(
            proxy.url(Call::ListSegments, None).unwrap(),
            "/td/eu01/cas/composable_audiences"
        );
        assert_eq!(
            proxy.console_link("7").unwrap(),
            "https://console-eu01.treasuredata.com/app/audiences/ps/7"
        );
        // A terminal goes to TD's host, except for the proxy's own custom endpoint.
        assert_eq!(
            proxy.for_terminal(),
            Target::Region(region("eu01").unwrap())
        );
        let proxied_custom = Target::Proxy {
            prefix: "http://127.0.0.1:8080/td".into(),
            region: "custom".into(),
        };
        assert_eq!(proxied_custom.for_terminal(), proxied_custom);
        assert_eq!(
            proxied_custom.url(Call::CreateSegment, None).unwrap(),
            "http://127.0.0.1:8080/td/custom/cas/composable_audiences"
        );
        let custom = Target::Custom("http://127.0.0.1:9/".into());
        assert_eq!(custom.for_terminal(), custom);
        assert_eq!(
            custom.url(Call::ListZeroCopyConfigs, None).unwrap(),
            "http://127.0.0.1:9/v4/federated_query_configs"
        );
        assert_eq!(custom.console_link("7"), None);
    }

    #[test]
    fn every_call_has_one_row() {
        for call in [
            Call::CreateSegment,
            Call::ListSegments,
            Call::ShowSegment,
            Call::UpdateSegment,
            Call::ListZeroCopyConfigs,
        ] {
            assert_eq!(ENDPOINTS.iter().filter(|e| e.call == call).count(), 1);
        }
    }
}
