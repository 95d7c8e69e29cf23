//! `urllib.parse`'s joining of URLs, for folding: `urljoin`, `urlunsplit` and `urlunparse`,
//! ported from CPython 3.11 (its scheme lists, its splitting, its resolution of `.` and `..`).
//! ASCII URLs only: CPython checks a non-ASCII network location against NFKC normalization,
//! which is not reproduced here.

const USES_RELATIVE: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms",
    "prospero", "rtsp", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss",
];

const USES_NETLOC: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];

const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips",
    "mms", "sftp", "tel",
];

/// The six parts `urlparse` gives.
struct Parsed {
    scheme: String,
    netloc: String,
    path: String,
    params: String,
    query: String,
    fragment: String,
}

/// `urlsplit(url, scheme, allow_fragments)`: scheme, netloc, path, query, fragment.
fn urlsplit(url: &str, scheme: &str, allow_fragments: bool) -> Option<[String; 5]> {
    if !url.is_ascii() || !scheme.is_ascii() {
        return None;
    }
    let c0_or_space = |c: char| c <= ' ';
    let mut url: String = url.trim_start_matches(c0_or_space).replace(['\t', '\r', '\n'], "");
    let mut scheme: String = scheme.trim_matches(c0_or_space).replace(['\t', '\r', '\n'], "");
    if let Some(i) = url.find(':')
        && i > 0
        && url.as_bytes()[0].is_ascii_alphabetic()
        && url[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        scheme = url[..i].to_ascii_lowercase();
        url = url[i + 1..].to_string();
    }
    let mut netloc = String::new();
    if url.starts_with("//") {
        let end = url[2..].find(['/', '?', '#']).map_or(url.len(), |at| at + 2);
        netloc = url[2..end].to_string();
        url = url[end..].to_string();
        // IPv6 literals are validated by CPython; not followed here.
        if netloc.contains(['[', ']']) {
            return None;
        }
    }
    let mut fragment = String::new();
    if allow_fragments && let Some((u, f)) = url.split_once('#') {
        fragment = f.to_string();
        url = u.to_string();
    }
    let mut query = String::new();
    if let Some((u, q)) = url.split_once('?') {
        query = q.to_string();
        url = u.to_string();
    }
    Some([scheme, netloc, url, query, fragment])
}

fn urlparse(url: &str, scheme: &str, allow_fragments: bool) -> Option<Parsed> {
    let [scheme, netloc, mut path, query, fragment] = urlsplit(url, scheme, allow_fragments)?;
    let mut params = String::new();
    if USES_PARAMS.contains(&scheme.as_str()) && path.contains(';') {
        let i = match path.rfind('/') {
            Some(slash) => path[slash..].find(';').map(|at| at + slash),
            None => path.find(';'),
        };
        if let Some(i) = i {
            params = path[i + 1..].to_string();
            path.truncate(i);
        }
    }
    Some(Parsed { scheme, netloc, path, params, query, fragment })
}

/// `urllib.parse.urlunsplit((scheme, netloc, path, query, fragment))`.
pub(crate) fn urlunsplit(
    scheme: &str,
    netloc: &str,
    path: &str,
    query: &str,
    fragment: &str,
) -> String {
    let mut url = path.to_string();
    if !netloc.is_empty()
        || (!scheme.is_empty() && USES_NETLOC.contains(&scheme) && !url.starts_with("//"))
    {
        if !url.is_empty() && !url.starts_with('/') {
            url.insert(0, '/');
        }
        url = format!("//{netloc}{url}");
    }
    if !scheme.is_empty() {
        url = format!("{scheme}:{url}");
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// `urllib.parse.urlunparse((scheme, netloc, path, params, query, fragment))`.
pub(crate) fn urlunparse(
    scheme: &str,
    netloc: &str,
    path: &str,
    params: &str,
    query: &str,
    fragment: &str,
) -> String {
    if params.is_empty() {
        urlunsplit(scheme, netloc, path, query, fragment)
    } else {
        urlunsplit(scheme, netloc, &format!("{path};{params}"), query, fragment)
    }
}

fn unparse(p: &Parsed) -> String {
    urlunparse(&p.scheme, &p.netloc, &p.path, &p.params, &p.query, &p.fragment)
}

/// `urllib.parse.urljoin(base, url, allow_fragments)`.
pub(crate) fn urljoin(base: &str, url: &str, allow_fragments: bool) -> Option<String> {
    if base.is_empty() {
        return Some(url.to_string());
    }
    if url.is_empty() {
        return Some(base.to_string());
    }
    let b = urlparse(base, "", allow_fragments)?;
    let mut u = urlparse(url, &b.scheme, allow_fragments)?;
    if u.scheme != b.scheme || !USES_RELATIVE.contains(&u.scheme.as_str()) {
        return Some(url.to_string());
    }
    if USES_NETLOC.contains(&u.scheme.as_str()) {
        if !u.netloc.is_empty() {
            return Some(unparse(&u));
        }
        u.netloc = b.netloc.clone();
    }
    if u.path.is_empty() && u.params.is_empty() {
        u.path = b.path;
        u.params = b.params;
        if u.query.is_empty() {
            u.query = b.query;
        }
        return Some(unparse(&u));
    }
    let mut base_parts: Vec<&str> = b.path.split('/').collect();
    if base_parts.last().is_some_and(|last| !last.is_empty()) {
        base_parts.pop();
    }
    let segments: Vec<&str> = if u.path.starts_with('/') {
        u.path.split('/').collect()
    } else {
        let mut all: Vec<&str> = base_parts;
        all.extend(u.path.split('/'));
        // Empty segments between the first and the last are dropped.
        let n = all.len();
        if n > 2 {
            let (first, last) = (all[0], all[n - 1]);
            let middle: Vec<&str> =
                all[1..n - 1].iter().copied().filter(|s| !s.is_empty()).collect();
            let mut joined = vec![first];
            joined.extend(middle);
            joined.push(last);
            joined
        } else {
            all
        }
    };
    let mut resolved: Vec<&str> = Vec::new();
    for seg in &segments {
        match *seg {
            ".." => {
                resolved.pop();
            }
            "." => {}
            other => resolved.push(other),
        }
    }
    if segments.last().is_some_and(|last| *last == "." || *last == "..") {
        resolved.push("");
    }
    let path = resolved.join("/");
    u.path = if path.is_empty() { "/".to_string() } else { path };
    Some(unparse(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urljoin_agrees_with_cpython() {
        // (base, url, urllib.parse.urljoin(base, url) in CPython 3.11)
        let cases = [
            // `bot123:` reads as a scheme: the second URL is returned as it is.
            ("https://api.telegram.org/", "bot123:AA/sendMessage", "bot123:AA/sendMessage"),
            (
                "https://api.telegram.org/",
                "bot/sendMessage",
                "https://api.telegram.org/bot/sendMessage",
            ),
            ("https://a.example/b/c/d;p?q", "g", "https://a.example/b/c/g"),
            ("https://a.example/b/c/d;p?q", "../g", "https://a.example/b/g"),
            ("https://a.example/b/c/d;p?q", "../../../g", "https://a.example/g"),
            ("https://a.example/b/c/d;p?q", "/g", "https://a.example/g"),
            ("https://a.example/b/c/d;p?q", "//g", "https://g"),
            ("https://a.example/b/c/d;p?q", "?y", "https://a.example/b/c/d;p?y"),
            ("https://a.example/b/c/d;p?q", "#s", "https://a.example/b/c/d;p?q#s"),
            ("https://a.example/b/c/d;p?q", ".", "https://a.example/b/c/"),
            ("https://a.example/b/c/d;p?q", "g/..", "https://a.example/b/c/"),
            ("https://a.example/b//c/", "x", "https://a.example/b/c/x"),
            ("https://a.example", "x", "https://a.example/x"),
            ("https://a.example/x", "ftp://other/y", "ftp://other/y"),
            ("mailto:a@b", "c", "c"),
            ("", "x", "x"),
            ("https://a.example/", "", "https://a.example/"),
        ];
        for (base, url, want) in cases {
            assert_eq!(
                urljoin(base, url, true).as_deref(),
                Some(want),
                "urljoin({base:?}, {url:?})"
            );
        }
    }

    #[test]
    fn unsplit_and_unparse_agree_with_cpython() {
        assert_eq!(
            urlunsplit("https", "discord.com", "/api/webhooks/1/x", "", ""),
            "https://discord.com/api/webhooks/1/x"
        );
        assert_eq!(urlunsplit("https", "h", "p", "q=1", "f"), "https://h/p?q=1#f");
        assert_eq!(urlunsplit("", "", "p", "", ""), "p");
        assert_eq!(urlunsplit("http", "", "p", "", ""), "http:///p");
        assert_eq!(urlunsplit("mailto", "", "a@b", "", ""), "mailto:a@b");
        assert_eq!(urlunparse("https", "h", "/p", "x", "q", ""), "https://h/p;x?q");
    }
}
