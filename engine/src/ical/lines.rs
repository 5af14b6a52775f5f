//! Unfolding (RFC 5545 §3.1) that remembers where each logical line came from, so that an
//! error found on a logical line can name the physical line a person sees in an editor.

/// Unfolded text (lines joined by `\n`) and, for each of its lines, the physical line
/// (1-based) the logical line started on.
pub struct Unfolded {
    /// The unfolded text, `\n`-separated, ending with `\n`.
    pub text: String,
    /// Physical line of each logical line.
    pub origin: Vec<usize>,
}

impl Unfolded {
    /// Unfolds `input`: a line starting with a space or a tab continues the previous one.
    /// So does, leniently, a line that cannot start a property because what comes before
    /// its first `:` or `;` is no property name (a fold some program wrote without its
    /// space: `ORGANIZER;CN=Danie` then `l Latham;CUTYPE=...`). A line with a proper name
    /// and no `:` is left alone, for the reader to refuse by name.
    pub fn new(input: &str) -> Unfolded {
        let input = input.strip_prefix('\u{feff}').unwrap_or(input);
        let mut text = String::with_capacity(input.len());
        let mut origin = Vec::new();
        for (n, raw) in input.split('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if let Some(rest) = line.strip_prefix([' ', '\t']) {
                if !origin.is_empty() {
                    text.pop();
                    text.push_str(rest);
                    text.push('\n');
                    continue;
                }
            }
            if line.is_empty() {
                continue;
            }
            if !origin.is_empty() && !starts_a_property(line) && !after_begin_or_end(&text) {
                text.pop();
                text.push_str(line);
                text.push('\n');
                continue;
            }
            text.push_str(line);
            text.push('\n');
            origin.push(n + 1);
        }
        Unfolded { text, origin }
    }

    /// The physical line of the byte at `offset` in the unfolded text.
    pub fn line_at(&self, offset: usize) -> usize {
        let logical = self.text.as_bytes()[..offset.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.origin
            .get(logical)
            .or(self.origin.last())
            .copied()
            .unwrap_or(1)
    }

    /// The physical line of a string slice that points into the unfolded text, if it does.
    pub fn line_of(&self, s: &str) -> Option<usize> {
        let base = self.text.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        (p >= base && p <= base + self.text.len()).then(|| self.line_at(p - base))
    }

    /// The logical line around `offset`, for messages.
    pub fn excerpt(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        self.text[start..end].chars().take(80).collect()
    }
}

/// Whether the last logical line of `text` is a BEGIN or END (nothing continues those).
fn after_begin_or_end(text: &str) -> bool {
    let last = text.trim_end_matches('\n');
    let last = &last[last.rfind('\n').map_or(0, |i| i + 1)..];
    let upper = last.get(..6).unwrap_or(last).to_ascii_uppercase();
    upper.starts_with("BEGIN:") || upper.starts_with("END:")
}

/// Whether `line` starts with a property name (letters, digits, `-`) followed by `;`,
/// `:` or the end of the line.
fn starts_a_property(line: &str) -> bool {
    let name_end = line.find([':', ';']).unwrap_or(line.len());
    let name = &line[..name_end];
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_map_back_to_physical_lines() {
        let u = Unfolded::new("BEGIN:VCALENDAR\r\nSUMMARY:a\r\n  b\r\n\r\nEND:VCALENDAR\r\n");
        assert_eq!(u.text, "BEGIN:VCALENDAR\nSUMMARY:a b\nEND:VCALENDAR\n");
        assert_eq!(u.origin, vec![1, 2, 5]);
        let end = u.text.find("\nEND").unwrap() + 1;
        assert_eq!(u.line_at(end), 5);
    }

    #[test]
    fn a_fold_without_its_space_is_joined_and_a_nameless_line_is_not() {
        let u = Unfolded::new("ORGANIZER;CN=Danie\r\nl Latham;CUTYPE=X:mailto:d@x\r\nSUMMARY\r\n");
        assert_eq!(
            u.text,
            "ORGANIZER;CN=Daniel Latham;CUTYPE=X:mailto:d@x\nSUMMARY\n"
        );
        assert_eq!(u.origin, vec![1, 3]);
    }
}
