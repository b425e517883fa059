//! Derives for `barewire`: Rust enums as BARE enums and tagged unions with
//! the explicit values and tags a BARE schema declares.
//!
//! `#[derive(BareEnum)]` takes an enum of unit variants; each variant's
//! value is its discriminant (`Blue = 5`) or the previous value plus one,
//! starting at 0, as in a BARE schema. `#[derive(BareUnion)]` takes an enum
//! whose variants hold one value (a union member) or none (a `void`
//! member); a variant's tag is `#[bare(tag = N)]`, or the previous tag plus
//! one. Both generate `serde::Serialize` and `serde::Deserialize`: encoding
//! writes the declared value as the variant index, and decoding accepts only
//! declared values. Values are limited to `u32::MAX`, serde's variant index.
//!
//! Use them through `barewire` (`barewire::BareEnum`, `barewire::BareUnion`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{
    Data, DeriveInput, Error, Expr, ExprLit, Fields, GenericParam, Ident, Lifetime, LifetimeParam,
    Lit, LitInt, Type, parse_macro_input, parse_quote,
};

/// Derives `Serialize` and `Deserialize` for an enum of unit variants as a
/// BARE `enum`, with each variant's discriminant as its value.
#[proc_macro_derive(BareEnum, attributes(bare))]
pub fn derive_bare_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, Shape::Enum)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Derives `Serialize` and `Deserialize` for an enum as a BARE tagged
/// `union`: a variant holding one value is a member of that type, a unit
/// variant is a `void` member; `#[bare(tag = N)]` sets a tag.
#[proc_macro_derive(BareUnion, attributes(bare))]
pub fn derive_bare_union(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, Shape::Union)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Enum,
    Union,
}

/// One variant and what the derive learnt about it.
struct Member {
    ident: Ident,
    value: u32,
    payload: Option<Type>,
}

fn expand(input: &DeriveInput, shape: Shape) -> syn::Result<Tokens> {
    let Data::Enum(data) = &input.data else {
        return Err(Error::new_spanned(
            &input.ident,
            "BareEnum and BareUnion derive only for enums",
        ));
    };
    if data.variants.is_empty() {
        return Err(Error::new_spanned(
            &input.ident,
            "a BARE enum or union needs at least one variant",
        ));
    }
    let mut members: Vec<Member> = Vec::new();
    let mut next: u64 = 0;
    for variant in &data.variants {
        let payload = match (&variant.fields, shape) {
            (Fields::Unit, _) => None,
            (Fields::Unnamed(fields), Shape::Union) if fields.unnamed.len() == 1 => {
                fields.unnamed.first().map(|field| field.ty.clone())
            }
            (_, Shape::Enum) => {
                return Err(Error::new_spanned(
                    variant,
                    "a BARE enum has unit variants only; use BareUnion for variants with data",
                ));
            }
            (_, Shape::Union) => {
                return Err(Error::new_spanned(
                    variant,
                    "a BARE union member holds exactly one value, `Variant(Type)`, or none",
                ));
            }
        };
        let explicit = match tag_attribute(variant)? {
            Some(tag) => Some(tag),
            None => discriminant(variant)?,
        };
        let value = explicit.unwrap_or(next);
        let Ok(value32) = u32::try_from(value) else {
            return Err(Error::new_spanned(
                variant,
                "barewire supports enum values and union tags up to u32::MAX",
            ));
        };
        if let Some(previous) = members.iter().find(|m| m.value == value32) {
            return Err(Error::new_spanned(
                variant,
                format!("value {value} is already used by `{}`", previous.ident),
            ));
        }
        next = value + 1;
        members.push(Member {
            ident: variant.ident.clone(),
            value: value32,
            payload,
        });
    }
    Ok(generate(input, &members))
}

/// `#[bare(tag = N)]` on a variant.
fn tag_attribute(variant: &syn::Variant) -> syn::Result<Option<u64>> {
    let mut tag = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("bare")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("tag") || meta.path.is_ident("value") {
                let literal: LitInt = meta.value()?.parse()?;
                tag = Some(literal.base10_parse::<u64>()?);
                Ok(())
            } else {
                Err(meta.error("expected `tag = N`"))
            }
        })?;
    }
    Ok(tag)
}

/// `Variant = N` on a variant, as an unsigned integer literal.
fn discriminant(variant: &syn::Variant) -> syn::Result<Option<u64>> {
    let Some((_, expr)) = &variant.discriminant else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(literal),
            ..
        }) => literal.base10_parse::<u64>().map(Some),
        other => Err(Error::new_spanned(
            other,
            "a BARE value must be an unsigned integer literal",
        )),
    }
}

fn generate(input: &DeriveInput, members: &[Member]) -> Tokens {
    let serde: syn::Path = parse_quote!(::barewire::__private::serde);
    let name = &input.ident;
    let name_text = name.to_string();
    let variant_names: Vec<String> = members.iter().map(|m| m.ident.to_string()).collect();
    let declared = members
        .iter()
        .map(|m| m.value.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let expecting = format!("a declared value of {name_text} ({declared})");

    // Serialize.
    let mut ser_generics = input.generics.clone();
    for param in input.generics.type_params() {
        let ident = &param.ident;
        ser_generics
            .make_where_clause()
            .predicates
            .push(parse_quote!(#ident: #serde::Serialize));
    }
    let (ser_impl, ty_generics, ser_where) = ser_generics.split_for_impl();
    let ser_arms = members.iter().map(|m| {
        let ident = &m.ident;
        let value = m.value;
        let text = ident.to_string();
        match m.payload {
            None => quote! {
                Self::#ident => #serde::Serializer::serialize_unit_variant(
                    serializer, #name_text, #value, #text),
            },
            Some(_) => quote! {
                Self::#ident(value) => #serde::Serializer::serialize_newtype_variant(
                    serializer, #name_text, #value, #text, value),
            },
        }
    });

    // Deserialize.
    let de_lifetime = Lifetime::new("'__de", Span::call_site());
    let mut de_generics = input.generics.clone();
    let mut de_param = LifetimeParam::new(de_lifetime.clone());
    for lifetime in input.generics.lifetimes() {
        de_param.bounds.push(lifetime.lifetime.clone());
    }
    de_generics
        .params
        .insert(0, GenericParam::Lifetime(de_param));
    for param in input.generics.type_params() {
        let ident = &param.ident;
        de_generics
            .make_where_clause()
            .predicates
            .push(parse_quote!(#ident: #serde::Deserialize<#de_lifetime>));
    }
    let (de_impl, de_ty, de_where) = de_generics.split_for_impl();
    let tags: Vec<Ident> = (0..members.len())
        .map(|index| format_ident!("V{}", index))
        .collect();
    let by_value = members.iter().zip(&tags).map(|(m, tag)| {
        let value = u64::from(m.value);
        quote!(#value => ::core::result::Result::Ok(__Variant::#tag),)
    });
    let by_name = members.iter().zip(&tags).map(|(m, tag)| {
        let text = m.ident.to_string();
        quote!(#text => ::core::result::Result::Ok(__Variant::#tag),)
    });
    let by_bytes = members.iter().zip(&tags).map(|(m, tag)| {
        let text = proc_macro2::Literal::byte_string(m.ident.to_string().as_bytes());
        quote!(#text => ::core::result::Result::Ok(__Variant::#tag),)
    });
    let de_arms = members.iter().zip(&tags).map(|(m, tag)| {
        let ident = &m.ident;
        match &m.payload {
            None => quote! {
                (__Variant::#tag, variant) => {
                    #serde::de::VariantAccess::unit_variant(variant)?;
                    ::core::result::Result::Ok(#name::#ident)
                }
            },
            Some(ty) => quote! {
                (__Variant::#tag, variant) =>
                    #serde::de::VariantAccess::newtype_variant::<#ty>(variant).map(#name::#ident),
            },
        }
    });

    quote! {
        #[automatically_derived]
        impl #ser_impl #serde::Serialize for #name #ty_generics #ser_where {
            fn serialize<__S: #serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                match self {
                    #(#ser_arms)*
                }
            }
        }

        #[automatically_derived]
        impl #de_impl #serde::Deserialize<#de_lifetime> for #name #ty_generics #de_where {
            fn deserialize<__D: #serde::Deserializer<#de_lifetime>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                const VARIANTS: &[&str] = &[#(#variant_names),*];

                enum __Variant { #(#tags),* }

                struct __VariantVisitor;

                impl<'v> #serde::de::Visitor<'v> for __VariantVisitor {
                    type Value = __Variant;

                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_u64<__E: #serde::de::Error>(
                        self,
                        value: u64,
                    ) -> ::core::result::Result<__Variant, __E> {
                        match value {
                            #(#by_value)*
                            _ => ::core::result::Result::Err(__E::invalid_value(
                                #serde::de::Unexpected::Unsigned(value),
                                &self,
                            )),
                        }
                    }

                    fn visit_str<__E: #serde::de::Error>(
                        self,
                        value: &str,
                    ) -> ::core::result::Result<__Variant, __E> {
                        match value {
                            #(#by_name)*
                            _ => ::core::result::Result::Err(__E::unknown_variant(value, VARIANTS)),
                        }
                    }

                    fn visit_bytes<__E: #serde::de::Error>(
                        self,
                        value: &[u8],
                    ) -> ::core::result::Result<__Variant, __E> {
                        match value {
                            #(#by_bytes)*
                            _ => ::core::result::Result::Err(__E::invalid_value(
                                #serde::de::Unexpected::Bytes(value),
                                &self,
                            )),
                        }
                    }
                }

                impl<'v> #serde::Deserialize<'v> for __Variant {
                    fn deserialize<__V: #serde::Deserializer<'v>>(
                        deserializer: __V,
                    ) -> ::core::result::Result<Self, __V::Error> {
                        #serde::Deserializer::deserialize_identifier(deserializer, __VariantVisitor)
                    }
                }

                struct __Visitor #de_impl #de_where {
                    marker: ::core::marker::PhantomData<#name #ty_generics>,
                    lifetime: ::core::marker::PhantomData<&#de_lifetime ()>,
                }

                impl #de_impl #serde::de::Visitor<#de_lifetime> for __Visitor #de_ty #de_where {
                    type Value = #name #ty_generics;

                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_enum<__A: #serde::de::EnumAccess<#de_lifetime>>(
                        self,
                        data: __A,
                    ) -> ::core::result::Result<Self::Value, __A::Error> {
                        match #serde::de::EnumAccess::variant::<__Variant>(data)? {
                            #(#de_arms)*
                        }
                    }
                }

                #serde::Deserializer::deserialize_enum(
                    deserializer,
                    #name_text,
                    VARIANTS,
                    __Visitor {
                        marker: ::core::marker::PhantomData,
                        lifetime: ::core::marker::PhantomData,
                    },
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(shape: Shape, source: &str) -> String {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        match expand(&input, shape) {
            Ok(_) => panic!("expected an error for {source}"),
            Err(error) => error.to_string(),
        }
    }

    fn expands(shape: Shape, source: &str) -> String {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        expand(&input, shape).unwrap().to_string()
    }

    #[test]
    fn values_count_up_from_the_last_explicit_one() {
        let code = expands(Shape::Enum, "enum E { A, B = 5, C }");
        assert!(code.contains("0u32"), "{code}");
        assert!(code.contains("5u32"), "{code}");
        assert!(code.contains("6u32"), "{code}");
        let code = expands(
            Shape::Union,
            "enum U<'a> { A(&'a str), #[bare(tag = 3)] B(u8), C }",
        );
        assert!(code.contains("3u32") && code.contains("4u32"), "{code}");
    }

    #[test]
    fn repeated_values_are_rejected() {
        let error = error_of(Shape::Enum, "enum E { A = 1, B = 1 }");
        assert_eq!(error, "value 1 is already used by `A`");
        let error = error_of(Shape::Union, "enum U { A(u8), #[bare(tag = 0)] B }");
        assert_eq!(error, "value 0 is already used by `A`");
    }

    #[test]
    fn shapes_bare_cannot_express_are_rejected() {
        assert!(error_of(Shape::Enum, "enum E { A(u8) }").contains("unit variants only"));
        assert!(error_of(Shape::Union, "enum U { A(u8, u8) }").contains("exactly one value"));
        assert!(error_of(Shape::Union, "enum U { A { x: u8 } }").contains("exactly one value"));
        assert!(error_of(Shape::Enum, "struct S;").contains("only for enums"));
        assert!(error_of(Shape::Enum, "enum E {}").contains("at least one variant"));
    }

    #[test]
    fn values_must_be_unsigned_literals_within_u32() {
        assert!(error_of(Shape::Enum, "enum E { A = 1 + 1 }").contains("integer literal"));
        assert!(error_of(Shape::Enum, "enum E { A = 4294967296 }").contains("u32::MAX"));
        assert!(
            error_of(Shape::Union, "enum U { #[bare(tag = x)] A }")
                .contains("expected integer literal")
        );
        assert!(
            error_of(Shape::Union, "enum U { #[bare(other = 1)] A }")
                .contains("expected `tag = N`")
        );
    }
}
