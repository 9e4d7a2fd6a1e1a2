#include "test_util.h"

#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

namespace smtptriage::testing {

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
