/**
 * One entry of NetworkSettings.Networks in an inspect document for an endpoint with no
 * address, as the engine shows a container on `--network none` (trace §2.8). The IDs are the
 * caller's: a stopped container has no endpoint, and a backend without networks has neither.
 */
export function unaddressedEndpoint(networkId: string, endpointId: string) {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: networkId,
    EndpointID: endpointId,
    Gateway: "",
    IPAddress: "",
    IPPrefixLen: 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    MacAddress: "",
    DriverOpts: null,
  };
}
