// Go's tabwriter as kubectl configures it, for `get` and `describe`.
#include "cli/view_tabwriter.h"

#include <gtest/gtest.h>

namespace probelet::cli {
namespace {

TEST(TabFormatTest, GetTableColumnsAreTheWidestCellPlusThreeAtLeastSix) {
  EXPECT_EQ(FormatGetTable("NAME\tREADY\tSTATUS\nweb-long\t1/1\tRunning\n"),
            "NAME       READY   STATUS\n"
            "web-long   1/1     Running\n");
}

TEST(TabFormatTest, DescribePadsByTwoAndALineWithFewerCellsEndsTheBlock) {
  EXPECT_EQ(FormatDescribe("Name:\tweb\nNamespace:\tdefault\nContainers:\nx:\ty\n"),
            "Name:       web\n"
            "Namespace:  default\n"
            "Containers:\n"
            "x:  y\n");
}

TEST(TabFormatTest, WidthsCountCodePointsNotBytes) {
  EXPECT_EQ(FormatDescribe("é\tx\nab\ty\n"), "é   x\nab  y\n");
}

}  // namespace
}  // namespace probelet::cli
