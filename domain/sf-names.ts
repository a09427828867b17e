// Salesforce API name rules, shared by config validation and the SOQL builders (which refuse anything that is
// not an API name, so no text from a config can change a query's meaning).

// Suffixes Salesforce appends after a double underscore: custom objects/fields (__c), relationships (__r),
// external (__x), platform events (__e), big objects (__b), custom metadata (__mdt), knowledge (__kav, __ka),
// person-account fields (__pc), geolocation components (__s), and generated objects (__History, __Share, …).
const SUFFIXES = new Set([
  'c', 'r', 'x', 'e', 'b', 'mdt', 'kav', 'ka', 'pc', 'pr', 's', 'history', 'share', 'feed', 'changeevent', 'tag',
  'hd', 'chn', 'dlm', 'dll', 'vote', 'viewstat', 'datacategoryselection',
]);

function isPlainPart(part: string): boolean {
  // A letter, then letters/digits, with single underscores between them (no leading/trailing/double "_").
  if (part.length === 0) return false;
  const first = part.charCodeAt(0);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return false;
  for (let i = 1; i < part.length; i++) {
    const c = part.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alnum) continue;
    if (c === 95 && i < part.length - 1 && part.charCodeAt(i + 1) !== 95) continue;
    return false;
  }
  return true;
}

/**
 * Whether `name` is a plausible Salesforce API name: `Name`, `Ext_Id__c`, `ns__Field__c`,
 * `Location__Latitude__s`. Double underscores only separate a namespace prefix and a known suffix; a name
 * with `__` must end in such a suffix.
 */
export function isSalesforceApiName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  const parts = name.split('__');
  if (parts.length > 4) return false;
  if (parts.length > 1) {
    const suffix = parts[parts.length - 1];
    if (!SUFFIXES.has(suffix.toLowerCase())) return false;
    if (suffix.length === 0) return false;
    return parts.slice(0, -1).every(isPlainPart) && /^[A-Za-z]+$/.test(suffix);
  }
  return isPlainPart(name);
}
