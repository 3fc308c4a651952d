//! ISO 4217 codes that name a currency. `Currency::parse` accepts any three upper-case letters;
//! both formats here must refuse codes no bank or receiver knows (EN 16931 BR-CL-03/04).

use aftercart_domain::money::Currency;

/// Current codes plus those withdrawn since 2020 (HRK, SLL, ZWL, ANG), which older statements
/// still carry. XXX (no currency) and XTS (testing) are left out: neither can hold a balance.
const CODES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD \
BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD \
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW \
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO \
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP \
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG \
XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL";

/// The currency for an ISO 4217 alphabetic code, or `None` when the code names no currency.
pub fn iso4217(code: &str) -> Option<Currency> {
    let known = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) && CODES.split(' ').any(|c| c == code);
    if known {
        Currency::parse(code, "currency").ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_real_codes_only() {
        for c in ["EUR", "USD", "JPY", "KWD", "CHF", "HRK"] {
            assert_eq!(iso4217(c).map(|c| c.code().to_owned()).as_deref(), Some(c));
        }
        for c in ["EU", "eur", "ABC", "XXX", "EURO", ""] {
            assert!(iso4217(c).is_none(), "{c}");
        }
        // Sorted, unique and every four bytes, as the search needs.
        let codes: Vec<&str> = CODES.split(' ').collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert!(codes.iter().all(|c| c.len() == 3));
        assert!(codes.iter().all(|c| iso4217(c).is_some()), "every listed code is found");
        for probe in ["AAA", "AEE", "ZZZ", "ZWM", "MMM"] {
            assert!(iso4217(probe).is_none(), "{probe}");
        }
    }
}
