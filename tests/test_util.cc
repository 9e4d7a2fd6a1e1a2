#include "test_util.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

namespace smtptriage::testing {

std::string Gzip(const std::string& text, int flush) {
  std::string out;
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  out.resize(deflateBound(&z, text.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, flush) == (flush == Z_FINISH ? Z_STREAM_END : Z_OK));
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Garbage(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunCli(const std::string& args, std::string* out, std::string* err,
           const std::string& stdin_text, const std::string& launcher) {
  TempDir dir;
  std::string in_path = dir.Write("stdin.txt", stdin_text);
  std::filesystem::path out_path = dir.path() / "stdout.txt";
  std::filesystem::path err_path = dir.path() / "stderr.txt";
  std::string cmd = std::string("cd '") + SMTPTRIAGE_SOURCE_DIR + "' && LANG=C TZ=UTC " + launcher + " '" +
                    SMTPTRIAGE_BINARY + "' " + args + " <'" + in_path + "' >'" +
                    out_path.string() + "' 2>'" + err_path.string() + "'";
  int status = std::system(cmd.c_str());
  if (out != nullptr) *out = Slurp(out_path);
  if (err != nullptr) *err = Slurp(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace smtptriage::testing
