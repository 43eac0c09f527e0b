// pcap_read_baseline FILE: reads every packet with bare libpcap and prints
// "packets=N seconds=S". The benchmark script compares `ladder` against this floor.
#include <pcap.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pcap_read_baseline FILE\n");
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  auto start = std::chrono::steady_clock::now();
  pcap_t* p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    std::fprintf(stderr, "%s: %s\n", argv[1], errbuf);
    return 1;
  }
  unsigned long long packets = 0;
  unsigned long long bytes = 0;  // touched so the read cannot be optimised away
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    ++packets;
    bytes += h->caplen;
  }
  if (rc == PCAP_ERROR) std::fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
  pcap_close(p);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("packets=%llu seconds=%.6f\n", packets, seconds);
  return (rc == PCAP_ERROR || bytes == 0) && packets != 0 ? 1 : 0;
}
