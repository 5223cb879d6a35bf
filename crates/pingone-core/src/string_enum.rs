//! The one definition of "a string enum with an unknown fallback", shared by every crate of the
//! workspace (`ErrorCode` here, `FlowStatus` in the flow, the model enums in provisioning).

/// Defines an enum whose values PingOne sends as strings, with an `Unknown(String)` variant that
/// keeps any value this crate does not know, verbatim, so that a value PingOne adds later never
/// breaks decoding. The enum gets `parse`, `as_str`, `Display`, and serde in both directions
/// (as the plain string).
///
/// ```text
/// string_enum! {
///     /// Docs.
///     pub enum DeviceStatus {
///         /// `ACTIVE`.
///         Active = "ACTIVE",
///         /// `PINGONE_API`, also spelt `PING_ONE_API` (aliases parse, the first spelling prints).
///         PingOneApi = "PINGONE_API" | "PING_ONE_API",
///     }
/// }
/// ```
///
/// Workspace-internal: hidden from the docs, no semver promise.
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)*),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this crate does not know, kept as sent.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Parses PingOne's spelling; an unknown value is kept in `Unknown`.
            #[must_use]
            pub fn parse(raw: &str) -> Self {
                match raw {
                    $($wire $(| $alias)* => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// The value as PingOne spells it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(raw) => raw,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::internal::serde::Serialize for $name {
            fn serialize<S: $crate::internal::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::internal::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::internal::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str> as $crate::internal::serde::Deserialize<'de>>::deserialize(
                    deserializer,
                )?;
                Ok(Self::parse(&raw))
            }
        }
    };
}
