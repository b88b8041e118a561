//! Path prefix semantics shared by PathPrefix matching, URLRewrite and RequestRedirect.

/// A PathPrefix value without its trailing slashes: `/foo/` and `/foo` are the same prefix
/// and `/` becomes the empty prefix, which matches every path.
pub fn normalize_prefix(prefix: &str) -> &str {
    prefix.trim_end_matches('/')
}

/// Element-wise prefix match on an already [normalized](normalize_prefix) prefix: `/foo`
/// matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`.
pub fn prefix_matches(normalized: &str, path: &str) -> bool {
    path.starts_with(normalized)
        && (path.len() == normalized.len() || path.as_bytes()[normalized.len()] == b'/')
}

/// `ReplacePrefixMatch`: swaps the matched `prefix` of `path` for `replacement`.
///
/// `path` must match `prefix` element-wise; if it does not, it is returned unchanged. The
/// result never gains a `//` at the seam: with prefix `/foo`, replacement `/bar` turns `/foo`
/// into `/bar`, `/foo/` into `/bar/` and `/foo/baz` into `/bar/baz`; replacement `/` turns
/// `/foo/baz` into `/baz` and `/foo` into `/`.
pub fn replace_prefix(path: &str, prefix: &str, replacement: &str) -> String {
    let prefix = normalize_prefix(prefix);
    if !prefix_matches(prefix, path) {
        return path.to_owned();
    }
    let mut rest = &path[prefix.len()..];
    // With the `/` prefix the request path `/` is the prefix itself, not a trailing slash.
    if prefix.is_empty() && rest == "/" {
        rest = "";
    }
    let replacement = normalize_prefix(replacement);
    let mut out = String::with_capacity(replacement.len() + rest.len() + 1);
    out.push_str(replacement);
    out.push_str(rest);
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_element_wise() {
        let p = normalize_prefix("/foo");
        assert!(prefix_matches(p, "/foo"));
        assert!(prefix_matches(p, "/foo/"));
        assert!(prefix_matches(p, "/foo/bar"));
        assert!(!prefix_matches(p, "/foobar"));
        assert!(!prefix_matches(p, "/fo"));
        assert!(!prefix_matches(p, "/"));
        let slash = normalize_prefix("/foo/");
        assert_eq!(slash, "/foo");
        assert!(prefix_matches(slash, "/foo"));
        let root = normalize_prefix("/");
        assert!(prefix_matches(root, "/"));
        assert!(prefix_matches(root, "/anything/at/all"));
    }

    #[test]
    fn replace_prefix_edge_cases() {
        let cases = [
            ("/foo", "/foo", "/bar", "/bar"),
            ("/foo/", "/foo", "/bar", "/bar/"),
            ("/foo/baz", "/foo", "/bar", "/bar/baz"),
            ("/foo/baz", "/foo", "/", "/baz"),
            ("/foo", "/foo", "/", "/"),
            ("/foo/", "/foo", "/", "/"),
            ("/foo/baz", "/foo/", "/bar", "/bar/baz"),
            ("/foo", "/foo/", "/bar", "/bar"),
            ("/foo/baz", "/foo", "/bar/", "/bar/baz"),
            ("/foo/baz", "/", "/bar", "/bar/foo/baz"),
            ("/", "/", "/bar", "/bar"),
            ("/", "/", "/", "/"),
            ("/prefix/one/two", "/prefix/one", "/one", "/one/two"),
            ("/strip-prefix/three", "/strip-prefix", "/", "/three"),
            ("/strip-prefix", "/strip-prefix", "/", "/"),
            ("/foobar", "/foo", "/bar", "/foobar"),
        ];
        for (path, prefix, replacement, want) in cases {
            assert_eq!(
                replace_prefix(path, prefix, replacement),
                want,
                "{path} with {prefix} -> {replacement}"
            );
        }
    }
}
