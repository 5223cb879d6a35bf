//! Reading a one-time passcode as a user types it.

use zeroize::Zeroizing;

use crate::secret::Otp;

/// The fewest digits a PingOne OTP has.
pub(crate) const MIN_OTP_DIGITS: usize = 6;
/// The most digits a PingOne OTP has.
pub(crate) const MAX_OTP_DIGITS: usize = 10;

/// Why typed text is not an OTP. Its `Display` never repeats the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidOtp {
    /// Nothing but whitespace (and separators) was entered.
    #[error("no code was entered")]
    Empty,
    /// A character other than a digit, a space or a hyphen.
    #[error("the code must contain only digits")]
    NotDigits,
    /// Not between 6 and 10 digits.
    #[error("the code must have {MIN_OTP_DIGITS} to {MAX_OTP_DIGITS} digits, not {len}")]
    Length {
        /// How many digits were entered.
        len: usize,
    },
}

impl Otp {
    /// Reads a code as a user typed it: surrounding whitespace is trimmed, and the spaces and
    /// hyphens a user may type inside it (`123 456`, `123-456`) are dropped. What remains must
    /// be 6 to 10 ASCII digits (PingOne's OTP lengths).
    ///
    /// ```
    /// use pingone_core::{InvalidOtp, Otp};
    ///
    /// assert_eq!(Otp::parse(" 123 456\n")?.secret(), "123456");
    /// assert_eq!(Otp::parse("12345"), Err(InvalidOtp::Length { len: 5 }));
    /// assert_eq!(Otp::parse("12345O"), Err(InvalidOtp::NotDigits));
    /// # Ok::<(), InvalidOtp>(())
    /// ```
    ///
    /// # Errors
    /// [`InvalidOtp::Empty`], [`InvalidOtp::NotDigits`] or [`InvalidOtp::Length`].
    pub fn parse(input: &str) -> Result<Self, InvalidOtp> {
        let mut digits = Zeroizing::new(String::with_capacity(input.len().min(MAX_OTP_DIGITS)));
        let mut count: usize = 0;
        for ch in input.trim().chars() {
            match ch {
                '0'..='9' => {
                    count = count.saturating_add(1);
                    if count <= MAX_OTP_DIGITS {
                        digits.push(ch);
                    }
                }
                '-' => {}
                c if c.is_whitespace() => {}
                _ => return Err(InvalidOtp::NotDigits),
            }
        }
        match count {
            0 => Err(InvalidOtp::Empty),
            MIN_OTP_DIGITS..=MAX_OTP_DIGITS => Ok(Otp::new(std::mem::take(&mut *digits))),
            len => Err(InvalidOtp::Length { len }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> Result<String, InvalidOtp> {
        Otp::parse(input).map(|otp| otp.secret().to_owned())
    }

    #[test]
    fn typed_codes_are_read() {
        for (input, code) in [
            ("123456", "123456"),
            ("  123456\n", "123456"),
            ("123 456", "123456"),
            ("123-456", "123456"),
            ("\t12 34 56 ", "123456"),
            ("1234567890", "1234567890"),
            ("12345-67890", "1234567890"),
            ("000000", "000000"),
        ] {
            assert_eq!(parsed(input).as_deref(), Ok(code), "{input:?}");
        }
    }

    #[test]
    fn bad_codes_are_typed_errors() {
        for (input, error) in [
            ("", InvalidOtp::Empty),
            ("   \n", InvalidOtp::Empty),
            (" - - ", InvalidOtp::Empty),
            ("12345", InvalidOtp::Length { len: 5 }),
            ("1", InvalidOtp::Length { len: 1 }),
            ("12345678901", InvalidOtp::Length { len: 11 }),
            ("1234 5678 9012 3456 7890", InvalidOtp::Length { len: 20 }),
            ("12345a", InvalidOtp::NotDigits),
            ("123.456", InvalidOtp::NotDigits),
            ("+123456", InvalidOtp::NotDigits),
            ("١٢٣٤٥٦", InvalidOtp::NotDigits),
            ("１２３４５６", InvalidOtp::NotDigits),
            ("123456\0", InvalidOtp::NotDigits),
        ] {
            assert_eq!(parsed(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn errors_never_repeat_the_input() {
        for input in ["98765", "98765432101234", "9876x5", "secret-987654321098"] {
            let error = Otp::parse(input).err().unwrap_or(InvalidOtp::Empty);
            let printed = format!("{error} {error:?}");
            assert!(!printed.contains("98765"), "{printed}");
            assert!(!printed.contains("secret"), "{printed}");
        }
        assert_eq!(InvalidOtp::Length { len: 5 }.to_string(), "the code must have 6 to 10 digits, not 5");
    }
}
